#include "queue/msgpack_args.h"

#include <msgpack.hpp>

namespace protifer::queue {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

void PackString(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void PackJsonValue(Packer& pk, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      pk.pack_nil();
      break;
    case nlohmann::json::value_t::boolean:
      if (value.get<bool>()) {
        pk.pack_true();
      } else {
        pk.pack_false();
      }
      break;
    case nlohmann::json::value_t::number_integer:
      pk.pack_int64(value.get<std::int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      pk.pack_uint64(value.get<std::uint64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      pk.pack_double(value.get<double>());
      break;
    case nlohmann::json::value_t::string:
      PackString(pk, value.get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::binary:
      pk.pack_bin(static_cast<std::uint32_t>(value.get_binary().size()));
      pk.pack_bin_body(reinterpret_cast<const char*>(value.get_binary().data()),
                       static_cast<std::uint32_t>(value.get_binary().size()));
      break;
    case nlohmann::json::value_t::array:
      pk.pack_array(static_cast<std::uint32_t>(value.size()));
      for (const auto& element : value) {
        PackJsonValue(pk, element);
      }
      break;
    case nlohmann::json::value_t::object:
      pk.pack_map(static_cast<std::uint32_t>(value.size()));
      for (const auto& [key, element] : value.items()) {
        PackString(pk, key);
        PackJsonValue(pk, element);
      }
      break;
  }
}

void PackLimiter(Packer& pk, const std::optional<RateLimiter>& limiter) {
  if (!limiter) {
    pk.pack_nil();
    return;
  }
  pk.pack_map(2);
  PackString(pk, "max");
  pk.pack_int64(limiter->max);
  PackString(pk, "duration");
  pk.pack_int64(limiter->duration.count());
}

void PackOptionalString(Packer& pk, std::string_view s) {
  if (s.empty()) {
    pk.pack_nil();
  } else {
    PackString(pk, s);
  }
}

std::string ToString(const msgpack::sbuffer& buffer) { return {buffer.data(), buffer.size()}; }

}  // namespace

std::string PackFetchOpts(std::string_view token, std::int64_t lock_duration_ms,
                          const std::optional<RateLimiter>& limiter, std::string_view worker_name) {
  msgpack::sbuffer buffer;
  Packer pk(&buffer);
  pk.pack_map(4);
  PackString(pk, "token");
  PackString(pk, token);
  PackString(pk, "lockDuration");
  pk.pack_int64(lock_duration_ms);
  PackString(pk, "limiter");
  PackLimiter(pk, limiter);
  PackString(pk, "name");
  PackOptionalString(pk, worker_name);
  return ToString(buffer);
}

std::string PackStrings(const std::vector<std::string>& values) {
  msgpack::sbuffer buffer;
  Packer pk(&buffer);
  pk.pack_array(static_cast<std::uint32_t>(values.size()));
  for (const std::string& v : values) {
    PackString(pk, v);
  }
  return ToString(buffer);
}

std::string PackFlatFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  msgpack::sbuffer buffer;
  Packer pk(&buffer);
  pk.pack_array(static_cast<std::uint32_t>(fields.size() * 2));
  for (const auto& [key, value] : fields) {
    PackString(pk, key);
    PackString(pk, value);
  }
  return ToString(buffer);
}

std::string PackFinishOpts(const FinishOpts& opts) {
  msgpack::sbuffer buffer;
  Packer pk(&buffer);
  pk.pack_map(11);
  PackString(pk, "token");
  PackString(pk, opts.token);
  PackString(pk, "name");
  PackOptionalString(pk, opts.worker_name);
  PackString(pk, "keepJobs");
  PackJsonValue(pk, opts.keep_jobs);
  PackString(pk, "limiter");
  PackLimiter(pk, opts.limiter);
  PackString(pk, "lockDuration");
  pk.pack_int64(opts.lock_duration_ms);
  PackString(pk, "attempts");
  pk.pack_int64(opts.attempts);
  PackString(pk, "maxMetricsSize");
  if (opts.max_metrics_size) {
    pk.pack_int64(*opts.max_metrics_size);
  } else {
    PackString(pk, "");
  }
  for (const auto& [key, flag] : {std::pair<const char*, bool>{"fpof", opts.fpof},
                                  {"cpof", opts.cpof},
                                  {"idof", opts.idof},
                                  {"rdof", opts.rdof}}) {
    PackString(pk, key);
    if (flag) {
      pk.pack_true();
    } else {
      pk.pack_false();
    }
  }
  return ToString(buffer);
}

std::string PackJson(const nlohmann::json& value) {
  msgpack::sbuffer buffer;
  Packer pk(&buffer);
  PackJsonValue(pk, value);
  return ToString(buffer);
}

}  // namespace protifer::queue
