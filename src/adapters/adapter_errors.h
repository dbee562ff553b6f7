// The three adapter error classes of protifer (adapters/errors.ts). They carry only a
// message and are deliberately unrelated to each other (no common base besides
// std::runtime_error), because the dispatcher maps each one to its own stored error code:
//   ShapeError  -> SHAPE_MISMATCH  (wrong element count, divisibility, empty output)
//   DtypeError  -> DTYPE_MISMATCH  (defined for parity; no adapter throws it, as in protifer)
//   DecodeError -> DECODE_ERROR    (requested output missing, tmbed label count != 1)
// Any other exception out of BuildRequest/Decode (e.g. triton::CodecError) is stored as
// DECODE_ERROR too, with its own message.
#pragma once

#include <stdexcept>
#include <string_view>

namespace protifer::adapters {

class ShapeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  // JavaScript's `err.name`, for logs that want to show which class was thrown.
  static constexpr std::string_view kName = "ShapeError";
};

class DtypeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  static constexpr std::string_view kName = "DtypeError";
};

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  static constexpr std::string_view kName = "DecodeError";
};

}  // namespace protifer::adapters
