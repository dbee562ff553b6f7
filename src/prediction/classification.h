// The one place that turns a failed model call into what protifer stores and labels
// (spec §5.3 classifyError, §6.4 classifyTritonStatus): a ModelErrorCode from protifer's closed
// set and a message of at most 200 UTF-16 code units.
//
// Table (first match wins):
//   adapters::ShapeError / DtypeError / DecodeError -> SHAPE_MISMATCH / DTYPE_MISMATCH /
//                                                      DECODE_ERROR, message what()
//   triton::TritonError, by gRPC code:
//     INVALID_ARGUMENT, NOT_FOUND, INTERNAL, UNAVAILABLE -> the same name, message details()
//     DEADLINE_EXCEEDED -> DEADLINE_EXCEEDED, message details()
//         Deliberate deviation (DESIGN §4 item 2): protifer's client turns every deadline into a
//         TritonTimeoutError without a numeric code, so it stores DECODE_ERROR. A timeout is not
//         a decoding problem; we store what happened.
//     any other code -> INTERNAL, message "<CODE_NAME>: <details>"
//         protifer stores INTERNAL with the bare details. We keep protifer's code set (readers
//         and dashboards know exactly these eight values) but prefix the real code name, so
//         that e.g. RESOURCE_EXHAUSTED (message over the size limit) or CANCELLED (worker
//         shutdown) can still be told apart from a model's INTERNAL error in the stored data.
//   any other std::exception (CodecError, std::invalid_argument from BuildRequest, ...)
//                                                   -> DECODE_ERROR, message what() ("Error"
//                                                      when empty, as String(new Error("")))
//   a thrown std::string or const char*            -> DECODE_ERROR, the text itself
//   anything else thrown                            -> DECODE_ERROR, "unknown exception"
// Messages never carry a stack trace: C++ exceptions have none, and only what()/details() is
// used. Messages are cut with core::TruncateUtf16 (never splitting a character).
#pragma once

#include <grpcpp/support/status.h>

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace protifer::triton {
class TritonError;
}  // namespace protifer::triton

namespace protifer::prediction {

// MODEL_ERROR_CODES (spec §2.1).
enum class ModelErrorCode {
  kUnavailable,
  kDeadlineExceeded,
  kInvalidArgument,
  kNotFound,
  kInternal,
  kDecodeError,
  kShapeMismatch,
  kDtypeMismatch,
};

// "UNAVAILABLE", "DEADLINE_EXCEEDED", ..., "DTYPE_MISMATCH": the stored `code` and the metric
// `status` label.
std::string_view ModelErrorCodeName(ModelErrorCode code);

// MAX_MESSAGE_LEN: stored messages are cut to this many UTF-16 code units.
inline constexpr std::size_t kMaxModelErrorMessageUnits = 200;

struct ClassifiedError {
  ModelErrorCode code = ModelErrorCode::kDecodeError;
  // At most kMaxModelErrorMessageUnits UTF-16 code units of well-formed UTF-8.
  std::string message;
  // The gRPC status when the failure came from Triton: kept for logs even where `code` had to
  // fold it into INTERNAL.
  std::optional<grpc::StatusCode> grpc_code;
};

// protifer's numeric map: 3/4/5/13/14 to their names, every other code to INTERNAL.
ModelErrorCode ModelErrorCodeForStatus(grpc::StatusCode code);

ClassifiedError ClassifyTritonError(const triton::TritonError& error);

// classifyError: the table above. Never throws anything but std::bad_alloc. A null pointer is
// classified as DECODE_ERROR "unknown exception".
ClassifiedError ClassifyError(const std::exception_ptr& error);

// The embedding worker's metric label (classifyTritonStatus): the numeric map for Triton
// errors, INTERNAL for everything else.
ModelErrorCode ClassifyTritonStatus(const std::exception_ptr& error);

}  // namespace protifer::prediction
