// The one error type of the Triton client, and the one place that decides which failures are
// worth retrying.
//
// Triton's own C++ client keeps only the message and drops the gRPC status code; we keep both
// (DESIGN §2), because the code alone cannot tell transient overload from a permanent error:
// RESOURCE_EXHAUSTED is both "the server's transport reset this stream" (retry) and "your
// message is larger than the limit" (never retry). See spec/transport-failures.md.
#pragma once

#include <grpcpp/support/status.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace protifer::triton {

// "UNAVAILABLE", "DEADLINE_EXCEEDED", ... (the names of grpc::StatusCode, as gRPC spells them).
std::string_view StatusCodeName(grpc::StatusCode code);

// True when a failed call with this (code, details) may succeed if sent again unchanged:
//  - UNAVAILABLE, except Triton's permanent "This protocol is restricted, expecting header ...";
//  - INTERNAL whose lower-cased details contain "bandwidth exhausted", "memory limit exceeded",
//    "failed parsing", "connection", "rst_stream" or "stream reset" (protifer PR #32's list);
//  - RESOURCE_EXHAUSTED raised by transport or server overload: "Received RST_STREAM with error
//    code 11" (ENHANCE_YOUR_CALM), "Buffers full", "Bandwidth exhausted", "Server Threadpool
//    Exhausted"; never message-size limits ("... message larger than max ...").
// Everything else is permanent, notably DEADLINE_EXCEEDED (the time budget is spent; a retry
// would double the wait), INVALID_ARGUMENT, NOT_FOUND, UNIMPLEMENTED and CANCELLED.
bool IsTransientFailure(grpc::StatusCode code, std::string_view details);

// A failed Triton call. what() is "<CODE_NAME>: <details>".
class TritonError : public std::runtime_error {
 public:
  // An error reported by gRPC or the server; transient() is IsTransientFailure(code, details).
  static TritonError FromStatus(const grpc::Status& status, int attempts);
  // An error this client raised before sending anything (attempts 0, never transient).
  static TritonError Local(grpc::StatusCode code, std::string details);
  // An error this client decided on after sending (e.g. it cancelled the call itself); kept
  // apart from FromStatus so a locally chosen message is never classified as transient.
  static TritonError Final(grpc::StatusCode code, std::string details, int attempts);

  grpc::StatusCode code() const noexcept { return code_; }
  std::string_view code_name() const noexcept { return StatusCodeName(code_); }
  // The status message exactly as gRPC reported it (grpc::Status::error_message()).
  const std::string& details() const noexcept { return details_; }
  // Attempts sent before giving up (0 when nothing was sent).
  int attempts() const noexcept { return attempts_; }
  bool transient() const noexcept { return transient_; }
  // Raised by this client without sending anything.
  bool local() const noexcept { return local_; }

  grpc::Status ToStatus() const { return grpc::Status(code_, details_); }

 private:
  TritonError(grpc::StatusCode code, std::string details, int attempts, bool transient, bool local);

  grpc::StatusCode code_;
  std::string details_;
  int attempts_;
  bool transient_;
  bool local_;
};

}  // namespace protifer::triton
