#include "queue/redis_reply.h"

#include <fmt/format.h>

namespace protifer::queue {

bool RedisReplyError::IsNoScript() const {
  return std::string_view(what()).substr(0, 8) == "NOSCRIPT";
}

std::int64_t RedisReply::AsInteger() const {
  if (type != Type::kInteger) {
    throw std::runtime_error("expected an integer reply, got " + Describe());
  }
  return integer;
}

const std::string& RedisReply::AsString() const {
  if (!IsString()) {
    throw std::runtime_error("expected a string reply, got " + Describe());
  }
  return str;
}

const std::vector<RedisReply>& RedisReply::AsArray() const {
  if (type != Type::kArray) {
    throw std::runtime_error("expected an array reply, got " + Describe());
  }
  return elements;
}

std::string RedisReply::Describe() const {
  constexpr std::size_t kMaxShown = 80;
  auto shorten = [](const std::string& s) {
    return s.size() > kMaxShown ? s.substr(0, kMaxShown) + "..." : s;
  };
  switch (type) {
    case Type::kNil:
      return "nil";
    case Type::kInteger:
      return fmt::format("integer {}", integer);
    case Type::kString:
      return fmt::format("string \"{}\"", shorten(str));
    case Type::kStatus:
      return fmt::format("status {}", shorten(str));
    case Type::kError:
      return fmt::format("error {}", shorten(str));
    case Type::kArray:
      return fmt::format("array of {}", elements.size());
  }
  return "unknown reply";
}

}  // namespace protifer::queue
