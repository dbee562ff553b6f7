#include "obs/triton_status_label.h"

namespace protifer::obs {

std::string_view ClassifyTritonStatus(std::optional<int> grpc_code) {
  if (!grpc_code) return "INTERNAL";
  switch (*grpc_code) {
    case 3:
      return "INVALID_ARGUMENT";
    case 4:
      return "DEADLINE_EXCEEDED";
    case 5:
      return "NOT_FOUND";
    case 14:
      return "UNAVAILABLE";
    default:  // 13 and everything unknown
      return "INTERNAL";
  }
}

}  // namespace protifer::obs
