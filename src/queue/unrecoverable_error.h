// bullmq's UnrecoverableError: a processor throws it when retrying cannot help (malformed data,
// an answer that breaks a contract). The worker then fails the job at once, whatever attempts
// it has left, and records "UnrecoverableError: <message>" in its stacktrace, as Node does.
#pragma once

#include <stdexcept>

namespace protifer::queue {

class UnrecoverableError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace protifer::queue
