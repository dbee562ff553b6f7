#include "queue/queue_keys.h"

#include <stdexcept>

namespace protifer::queue {

QueueKeys::QueueKeys(std::string prefix, std::string queue_name)
    : prefix_(std::move(prefix)), queue_name_(std::move(queue_name)) {
  if (queue_name_.empty()) {
    throw std::invalid_argument("queue name must not be empty");
  }
  if (queue_name_.find(':') != std::string::npos) {
    throw std::invalid_argument("queue name must not contain ':' (got \"" + queue_name_ + "\")");
  }
  key_prefix_ = prefix_ + ":" + queue_name_ + ":";
}

std::string QueueKeys::WorkerConnectionName(std::string_view worker_name) const {
  std::string name = prefix_ + ":" + Base64Encode(queue_name_);
  if (!worker_name.empty()) {
    name += ":w:";
    name += worker_name;
  }
  return name;
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U |
                       static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U |
                       static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[(v >> 18U) & 63U];
    out += kAlphabet[(v >> 12U) & 63U];
    out += kAlphabet[(v >> 6U) & 63U];
    out += kAlphabet[v & 63U];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << 16U;
    if (rest == 2) {
      v |= static_cast<unsigned>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
    }
    out += kAlphabet[(v >> 18U) & 63U];
    out += kAlphabet[(v >> 12U) & 63U];
    out += rest == 2 ? kAlphabet[(v >> 6U) & 63U] : '=';
    out += '=';
  }
  return out;
}

}  // namespace protifer::queue
