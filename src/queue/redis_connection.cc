#include "queue/redis_connection.h"

#include <fmt/format.h>
#include <hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <string_view>

namespace protifer::queue {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) {
        out.elements.push_back(Convert(r->element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

// Error replies that mean "this server is not serving right now" rather than "your call is
// wrong": retry after a pause like a dropped connection.
bool IsUnavailableReply(std::string_view message) {
  for (std::string_view prefix : {"LOADING", "MASTERDOWN", "TRYAGAIN", "BUSY "}) {
    if (message.substr(0, prefix.size()) == prefix) {
      return true;
    }
  }
  return false;
}

}  // namespace

RedisConnection::RedisConnection(RedisEndpoint endpoint, std::string client_name)
    : endpoint_(std::move(endpoint)), client_name_(std::move(client_name)) {}

RedisConnection::~RedisConnection() { Disconnect(); }

std::string RedisConnection::Where() const {
  return fmt::format("redis {}:{}", endpoint_.host, endpoint_.port);
}

void RedisConnection::Connect() {
  std::lock_guard call_lock(call_mutex_);
  if (interrupted_) {
    throw RedisConnectionError(Where() + ": connection interrupted");
  }
  if (socket_shut_.exchange(false)) {
    DropLocked();
  }
  ConnectLocked();
}

RedisReply RedisConnection::Command(const std::vector<std::string>& args) {
  return Execute(args, nullptr);
}

RedisReply RedisConnection::BlockingCommand(const std::vector<std::string>& args,
                                            std::chrono::milliseconds socket_timeout) {
  return Execute(args, &socket_timeout);
}

RedisReply RedisConnection::Execute(const std::vector<std::string>& args,
                                    const std::chrono::milliseconds* socket_timeout) {
  std::lock_guard call_lock(call_mutex_);
  if (interrupted_) {
    throw RedisConnectionError(Where() + ": connection interrupted");
  }
  if (socket_shut_.exchange(false)) {
    DropLocked();  // Interrupt() shut this socket down; start over with a fresh one
  }
  ConnectLocked();
  if (socket_timeout != nullptr) {
    redisSetTimeout(ctx_, ToTimeval(*socket_timeout));
  }
  RedisReply reply = RawCommandLocked(args);
  if (socket_timeout != nullptr && ctx_ != nullptr) {
    redisSetTimeout(ctx_, ToTimeval(endpoint_.command_timeout));
  }
  if (reply.type == RedisReply::Type::kError) {
    if (IsUnavailableReply(reply.str)) {
      throw RedisConnectionError(fmt::format("{}: {}", Where(), reply.str));
    }
    throw RedisReplyError(reply.str);
  }
  return reply;
}

void RedisConnection::ConnectLocked() {
  if (ctx_ != nullptr) {
    return;
  }
  redisContext* c = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                            ToTimeval(endpoint_.connect_timeout));
  if (c == nullptr) {
    throw RedisConnectionError(Where() + ": cannot allocate a hiredis context");
  }
  if (c->err != 0) {
    std::string message = fmt::format("{}: connect failed: {}", Where(), c->errstr);
    redisFree(c);
    throw RedisConnectionError(message);
  }
  redisSetTimeout(c, ToTimeval(endpoint_.command_timeout));
  redisEnableKeepAlive(c);
  {
    std::lock_guard context_lock(context_mutex_);
    ctx_ = c;
  }
  // Interrupt() either saw ctx_ above and shut its socket, or set the flag before we looked.
  if (interrupted_) {
    DropLocked();
    throw RedisConnectionError(Where() + ": connection interrupted");
  }
  auto handshake = [&](const std::vector<std::string>& args, std::string_view what) {
    RedisReply reply = RawCommandLocked(args);
    if (reply.type == RedisReply::Type::kError) {
      DropLocked();
      throw RedisHandshakeError(fmt::format("{}: {} failed: {}", Where(), what, reply.str));
    }
  };
  if (!endpoint_.password.empty()) {
    if (endpoint_.username.empty()) {
      handshake({"AUTH", endpoint_.password}, "AUTH");
    } else {
      handshake({"AUTH", endpoint_.username, endpoint_.password}, "AUTH");
    }
  }
  if (endpoint_.db != 0) {
    handshake({"SELECT", std::to_string(endpoint_.db)}, "SELECT");
  }
  if (!client_name_.empty()) {
    handshake({"CLIENT", "SETNAME", client_name_}, "CLIENT SETNAME");
  }
}

RedisReply RedisConnection::RawCommandLocked(const std::vector<std::string>& args) {
  if (ctx_ == nullptr) {
    throw RedisConnectionError(Where() + ": not connected");
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> argv_len;
  argv.reserve(args.size());
  argv_len.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    argv_len.push_back(a.size());
  }
  auto* raw = static_cast<redisReply*>(
      redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), argv_len.data()));
  if (raw == nullptr) {
    std::string message =
        fmt::format("{}: {}", Where(), ctx_->errstr[0] != '\0' ? ctx_->errstr : "I/O error");
    DropLocked();
    throw RedisConnectionError(message);
  }
  RedisReply reply = Convert(raw);
  freeReplyObject(raw);
  return reply;
}

void RedisConnection::DropLocked() {
  std::lock_guard context_lock(context_mutex_);
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
}

void RedisConnection::Interrupt() {
  interrupted_ = true;
  std::lock_guard context_lock(context_mutex_);
  if (ctx_ != nullptr && ctx_->fd >= 0) {
    ::shutdown(ctx_->fd, SHUT_RDWR);
    socket_shut_ = true;
  }
}

void RedisConnection::ResetInterrupt() { interrupted_ = false; }

void RedisConnection::Disconnect() {
  std::lock_guard call_lock(call_mutex_);
  DropLocked();
}

bool RedisConnection::IsConnected() const {
  std::lock_guard context_lock(context_mutex_);
  return ctx_ != nullptr;
}

}  // namespace protifer::queue
