#include "prediction/classification.h"

#include <string>
#include <utility>

#include "adapters/adapter_errors.h"
#include "core/text.h"
#include "triton/triton_error.h"

namespace protifer::prediction {
namespace {

ClassifiedError Make(ModelErrorCode code, std::string_view message,
                     std::optional<grpc::StatusCode> grpc_code = std::nullopt) {
  return ClassifiedError{code, core::TruncateUtf16(message, kMaxModelErrorMessageUnits), grpc_code};
}

// JavaScript's String(err) for an Error whose message is empty is its name, "Error".
std::string_view MessageOf(const std::exception& error) {
  const std::string_view what = error.what();
  return what.empty() ? std::string_view("Error") : what;
}

}  // namespace

std::string_view ModelErrorCodeName(ModelErrorCode code) {
  switch (code) {
    case ModelErrorCode::kUnavailable:
      return "UNAVAILABLE";
    case ModelErrorCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case ModelErrorCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case ModelErrorCode::kNotFound:
      return "NOT_FOUND";
    case ModelErrorCode::kInternal:
      return "INTERNAL";
    case ModelErrorCode::kDecodeError:
      return "DECODE_ERROR";
    case ModelErrorCode::kShapeMismatch:
      return "SHAPE_MISMATCH";
    case ModelErrorCode::kDtypeMismatch:
      return "DTYPE_MISMATCH";
  }
  return "INTERNAL";  // unreachable for valid enumerators
}

ModelErrorCode ModelErrorCodeForStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return ModelErrorCode::kInvalidArgument;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return ModelErrorCode::kDeadlineExceeded;
    case grpc::StatusCode::NOT_FOUND:
      return ModelErrorCode::kNotFound;
    case grpc::StatusCode::INTERNAL:
      return ModelErrorCode::kInternal;
    case grpc::StatusCode::UNAVAILABLE:
      return ModelErrorCode::kUnavailable;
    default:
      return ModelErrorCode::kInternal;
  }
}

ClassifiedError ClassifyTritonError(const triton::TritonError& error) {
  const ModelErrorCode code = ModelErrorCodeForStatus(error.code());
  const bool folded =
      code == ModelErrorCode::kInternal && error.code() != grpc::StatusCode::INTERNAL;
  if (folded) {
    std::string message(error.code_name());
    message += ": ";
    message += error.details();
    return Make(code, message, error.code());
  }
  // protifer uses `details` even when it is empty; so do we.
  return Make(code, error.details(), error.code());
}

ClassifiedError ClassifyError(const std::exception_ptr& error) {
  if (error == nullptr) {
    return Make(ModelErrorCode::kDecodeError, "unknown exception");
  }
  try {
    std::rethrow_exception(error);
  } catch (const adapters::ShapeError& shape) {
    return Make(ModelErrorCode::kShapeMismatch, MessageOf(shape));
  } catch (const adapters::DtypeError& dtype) {
    return Make(ModelErrorCode::kDtypeMismatch, MessageOf(dtype));
  } catch (const adapters::DecodeError& decode) {
    return Make(ModelErrorCode::kDecodeError, MessageOf(decode));
  } catch (const triton::TritonError& triton_error) {
    return ClassifyTritonError(triton_error);
  } catch (const std::exception& other) {
    return Make(ModelErrorCode::kDecodeError, MessageOf(other));
  } catch (const std::string& text) {
    return Make(ModelErrorCode::kDecodeError, text);  // protifer: a thrown string keeps its text
  } catch (const char* text) {
    return Make(ModelErrorCode::kDecodeError, text != nullptr ? text : "unknown exception");
  } catch (...) {
    return Make(ModelErrorCode::kDecodeError, "unknown exception");
  }
}

ModelErrorCode ClassifyTritonStatus(const std::exception_ptr& error) {
  if (error == nullptr) {
    return ModelErrorCode::kInternal;
  }
  try {
    std::rethrow_exception(error);
  } catch (const triton::TritonError& triton_error) {
    return ModelErrorCodeForStatus(triton_error.code());
  } catch (...) {
    return ModelErrorCode::kInternal;
  }
}

}  // namespace protifer::prediction
