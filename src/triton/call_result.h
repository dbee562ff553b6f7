// The outcome of one logical Triton call: a value or a TritonError, plus how many attempts it
// took. Kept deliberately small: callers branch on ok() and read one side.
#pragma once

#include <stdexcept>
#include <utility>
#include <variant>

#include "triton/triton_error.h"

namespace protifer::triton {

template <typename T>
class CallResult {
 public:
  // Success after `attempts` attempts.
  CallResult(T value, int attempts) : outcome_(std::move(value)), attempts_(attempts) {}
  // Failure; the attempt count is the error's.
  CallResult(TritonError error)  // NOLINT(google-explicit-constructor): a failure *is* a result
      : outcome_(std::move(error)), attempts_(std::get<TritonError>(outcome_).attempts()) {}

  bool ok() const noexcept { return std::holds_alternative<T>(outcome_); }
  int attempts() const noexcept { return attempts_; }

  // The value; on a failure these throw the TritonError itself, so `result.value()` is also the
  // exception-style way to use a result.
  const T& value() const& {
    ThrowIfError();
    return std::get<T>(outcome_);
  }
  T& value() & {
    ThrowIfError();
    return std::get<T>(outcome_);
  }
  T&& value() && {
    ThrowIfError();
    return std::get<T>(std::move(outcome_));
  }

  // The error; throws std::logic_error on a success.
  const TritonError& error() const {
    if (ok()) {
      throw std::logic_error("CallResult::error() called on a successful result");
    }
    return std::get<TritonError>(outcome_);
  }

 private:
  void ThrowIfError() const {
    if (!ok()) {
      throw std::get<TritonError>(outcome_);
    }
  }

  std::variant<T, TritonError> outcome_;
  int attempts_;
};

}  // namespace protifer::triton
