#include "triton/triton_error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace protifer::triton {
namespace {

std::string ToLower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool ContainsAny(std::string_view haystack, const auto& needles) {
  return std::any_of(needles.begin(), needles.end(), [haystack](std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
  });
}

// protifer PR #32's pattern for INTERNAL: HTTP/2 and connection trouble surfaced as INTERNAL.
constexpr std::array<std::string_view, 6> kTransientInternal = {
    "bandwidth exhausted", "memory limit exceeded", "failed parsing", "connection",
    "rst_stream",          "stream reset"};

// RESOURCE_EXHAUSTED from the HTTP/2 transport (ENHANCE_YOUR_CALM resets, memory reclaimers)
// or from a server out of handler threads: the request was fine, the server was busy.
constexpr std::array<std::string_view, 4> kTransientResourceExhausted = {
    "received rst_stream with error code 11", "buffers full", "bandwidth exhausted",
    "server threadpool exhausted"};

// Message-size limits come back as RESOURCE_EXHAUSTED too; resending the same bytes fails again.
constexpr std::array<std::string_view, 2> kMessageSizeLimit = {"message larger than max",
                                                               "message limit"};

// Triton answers UNAVAILABLE when a protocol is restricted to requests carrying a header we do
// not send; that will never change on retry.
constexpr std::string_view kRestrictedProtocol = "this protocol is restricted";

}  // namespace

std::string_view StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::DO_NOT_USE:
      break;
  }
  return "UNKNOWN_STATUS_CODE";
}

bool IsTransientFailure(grpc::StatusCode code, std::string_view details) {
  const std::string lower = ToLower(details);
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
      return lower.find(kRestrictedProtocol) == std::string::npos;
    case grpc::StatusCode::INTERNAL:
      return ContainsAny(lower, kTransientInternal);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return !ContainsAny(lower, kMessageSizeLimit) &&
             ContainsAny(lower, kTransientResourceExhausted);
    default:
      return false;
  }
}

TritonError::TritonError(grpc::StatusCode code, std::string details, int attempts, bool transient,
                         bool local)
    : std::runtime_error(std::string(StatusCodeName(code)) + ": " + details),
      code_(code),
      details_(std::move(details)),
      attempts_(attempts),
      transient_(transient),
      local_(local) {}

TritonError TritonError::FromStatus(const grpc::Status& status, int attempts) {
  return TritonError(status.error_code(), status.error_message(), attempts,
                     IsTransientFailure(status.error_code(), status.error_message()),
                     /*local=*/false);
}

TritonError TritonError::Local(grpc::StatusCode code, std::string details) {
  return TritonError(code, std::move(details), /*attempts=*/0, /*transient=*/false,
                     /*local=*/true);
}

TritonError TritonError::Final(grpc::StatusCode code, std::string details, int attempts) {
  return TritonError(code, std::move(details), attempts, /*transient=*/false, /*local=*/false);
}

}  // namespace protifer::triton
