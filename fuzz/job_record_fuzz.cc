// The job hash (HGETALL / moveToActive's reply) holds fields that any producer may have set:
// opts JSON, numbers as text, parent keys, stack traces. Parsing must never crash; fields it
// cannot read fall back to defaults (or a deferred failure of that job).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "queue/job_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // NUL separates the flat [field, value, field, value, ...] list.
  std::vector<std::string> flat(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      flat.emplace_back();
    } else {
      flat.back().push_back(static_cast<char>(data[i]));
    }
  }
  try {
    (void)protifer::queue::ParseJobRecord("1", "token:1", flat);
  } catch (const std::exception&) {
  }
  return 0;
}
