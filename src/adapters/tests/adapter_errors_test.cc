#include "adapters/adapter_errors.h"

#include <gtest/gtest.h>

#include <string>

namespace protifer::adapters {
namespace {

// Which of the three handlers catches `error`; the dispatcher relies on each class being
// caught only by its own handler.
template <typename Error>
std::string CaughtAs(const Error& error) {
  try {
    throw error;
  } catch (const ShapeError&) {
    return "ShapeError";
  } catch (const DtypeError&) {
    return "DtypeError";
  } catch (const DecodeError&) {
    return "DecodeError";
  } catch (const std::exception&) {
    return "other";
  }
}

TEST(AdapterErrors, AreMutuallyDistinct) {
  EXPECT_EQ(CaughtAs(ShapeError("s")), "ShapeError");
  EXPECT_EQ(CaughtAs(DtypeError("d")), "DtypeError");
  EXPECT_EQ(CaughtAs(DecodeError("x")), "DecodeError");
  EXPECT_EQ(CaughtAs(std::runtime_error("plain")), "other");
}

TEST(AdapterErrors, CarryTheirMessageAndName) {
  EXPECT_STREQ(ShapeError("wrong shape").what(), "wrong shape");
  EXPECT_STREQ(DecodeError("missing").what(), "missing");
  EXPECT_STREQ(DtypeError("dtype").what(), "dtype");
  EXPECT_EQ(ShapeError::kName, "ShapeError");
  EXPECT_EQ(DtypeError::kName, "DtypeError");
  EXPECT_EQ(DecodeError::kName, "DecodeError");
}

}  // namespace
}  // namespace protifer::adapters
