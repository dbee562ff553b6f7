#include "prediction/classification.h"

#include <gtest/gtest.h>

#include <exception>
#include <stdexcept>
#include <string>

#include "adapters/adapter_errors.h"
#include "core/text.h"
#include "triton/tensor_codec.h"
#include "triton/triton_error.h"

namespace protifer::prediction {
namespace {

triton::TritonError Grpc(grpc::StatusCode code, const std::string& details) {
  return triton::TritonError::FromStatus(grpc::Status(code, details), 1);
}

template <typename Error>
ClassifiedError Classify(const Error& error) {
  return ClassifyError(std::make_exception_ptr(error));
}

struct StatusCase {
  grpc::StatusCode status;
  ModelErrorCode code;
  const char* name;
};

class GrpcStatusTable : public ::testing::TestWithParam<StatusCase> {};

TEST_P(GrpcStatusTable, MapsTheStatusAndKeepsTheDetails) {
  const StatusCase& c = GetParam();
  const ClassifiedError classified = Classify(Grpc(c.status, "up"));
  EXPECT_EQ(classified.code, c.code);
  EXPECT_EQ(ModelErrorCodeName(classified.code), c.name);
  EXPECT_EQ(classified.message, "up");
  EXPECT_EQ(classified.grpc_code, c.status);
}

INSTANTIATE_TEST_SUITE_P(
    Protifer, GrpcStatusTable,
    ::testing::Values(
        StatusCase{grpc::StatusCode::UNAVAILABLE, ModelErrorCode::kUnavailable, "UNAVAILABLE"},
        StatusCase{grpc::StatusCode::INVALID_ARGUMENT, ModelErrorCode::kInvalidArgument,
                   "INVALID_ARGUMENT"},
        StatusCase{grpc::StatusCode::NOT_FOUND, ModelErrorCode::kNotFound, "NOT_FOUND"},
        StatusCase{grpc::StatusCode::INTERNAL, ModelErrorCode::kInternal, "INTERNAL"},
        // DESIGN §4 item 2: a deadline is stored as DEADLINE_EXCEEDED (protifer: DECODE_ERROR).
        StatusCase{grpc::StatusCode::DEADLINE_EXCEEDED, ModelErrorCode::kDeadlineExceeded,
                   "DEADLINE_EXCEEDED"}),
    [](const ::testing::TestParamInfo<StatusCase>& param) {
      return std::string(param.param.name);
    });

TEST(ClassifyError, OtherGrpcCodesFoldIntoInternalButKeepTheRealCodeInTheMessage) {
  const ClassifiedError exhausted = Classify(
      Grpc(grpc::StatusCode::RESOURCE_EXHAUSTED, "Received message larger than max (70 vs. 64)"));
  EXPECT_EQ(exhausted.code, ModelErrorCode::kInternal);
  EXPECT_EQ(exhausted.message, "RESOURCE_EXHAUSTED: Received message larger than max (70 vs. 64)");
  EXPECT_EQ(exhausted.grpc_code, grpc::StatusCode::RESOURCE_EXHAUSTED);

  const ClassifiedError unknown = Classify(Grpc(grpc::StatusCode::UNKNOWN, "odd"));
  EXPECT_EQ(unknown.code, ModelErrorCode::kInternal);
  EXPECT_EQ(unknown.message, "UNKNOWN: odd");

  const ClassifiedError cancelled = Classify(triton::TritonError::Local(
      grpc::StatusCode::CANCELLED, "the Triton client is shutting down"));
  EXPECT_EQ(cancelled.code, ModelErrorCode::kInternal);
  EXPECT_EQ(cancelled.message, "CANCELLED: the Triton client is shutting down");
}

TEST(ClassifyError, EmptyGrpcDetailsAreKeptEmpty) {
  EXPECT_EQ(Classify(Grpc(grpc::StatusCode::UNAVAILABLE, "")).message, "");
}

TEST(ClassifyError, AdapterErrorClassesMapToTheirCodes) {
  EXPECT_EQ(Classify(adapters::ShapeError("wrong shape")).code, ModelErrorCode::kShapeMismatch);
  EXPECT_EQ(Classify(adapters::ShapeError("wrong shape")).message, "wrong shape");
  EXPECT_EQ(Classify(adapters::DtypeError("dt")).code, ModelErrorCode::kDtypeMismatch);
  EXPECT_EQ(Classify(adapters::DecodeError("missing")).code, ModelErrorCode::kDecodeError);
  EXPECT_EQ(Classify(adapters::DecodeError("missing")).message, "missing");
  EXPECT_FALSE(Classify(adapters::ShapeError("x")).grpc_code.has_value());
}

TEST(ClassifyError, AnyOtherExceptionIsADecodeErrorWithItsMessage) {
  const ClassifiedError codec =
      Classify(triton::CodecError("raw_output_contents[0] length 3 is not a multiple of 4 (FP32)"));
  EXPECT_EQ(codec.code, ModelErrorCode::kDecodeError);
  EXPECT_EQ(codec.message, "raw_output_contents[0] length 3 is not a multiple of 4 (FP32)");
  EXPECT_EQ(Classify(std::invalid_argument("bad context")).code, ModelErrorCode::kDecodeError);
  EXPECT_EQ(Classify(std::runtime_error("")).message, "Error");
}

TEST(ClassifyError, ThrownNonExceptionsAreDecodeErrors) {
  EXPECT_EQ(ClassifyError(std::make_exception_ptr(std::string("raw text"))).message, "raw text");
  EXPECT_EQ(ClassifyError(std::make_exception_ptr("literal")).message, "literal");
  const ClassifiedError number = ClassifyError(std::make_exception_ptr(42));
  EXPECT_EQ(number.code, ModelErrorCode::kDecodeError);
  EXPECT_EQ(number.message, "unknown exception");
  EXPECT_EQ(ClassifyError(nullptr).code, ModelErrorCode::kDecodeError);
}

TEST(ClassifyError, LongMessagesAreCutToExactly200Units) {
  EXPECT_EQ(Classify(std::runtime_error(std::string(500, 'a'))).message, std::string(200, 'a'));
  EXPECT_EQ(Classify(Grpc(grpc::StatusCode::UNAVAILABLE, std::string(500, 'b'))).message,
            std::string(200, 'b'));
  // The folded-code prefix counts towards the 200 units.
  const ClassifiedError folded =
      Classify(Grpc(grpc::StatusCode::RESOURCE_EXHAUSTED, std::string(500, 'c')));
  EXPECT_EQ(core::Utf16Length(folded.message), 200u);
  EXPECT_EQ(folded.message.rfind("RESOURCE_EXHAUSTED: ", 0), 0u);
}

TEST(ClassifyError, TruncationCountsUtf16UnitsAndNeverSplitsACharacter) {
  std::string accented;
  for (int i = 0; i < 300; ++i) {
    accented += "\xC3\xA9";  // é: 2 bytes, 1 unit
  }
  const std::string cut = Classify(std::runtime_error(accented)).message;
  EXPECT_EQ(core::Utf16Length(cut), 200u);
  EXPECT_EQ(cut.size(), 400u);

  std::string emoji = "a";
  for (int i = 0; i < 150; ++i) {
    emoji += "\xF0\x9F\x98\x80";  // U+1F600: 4 bytes, 2 units
  }
  // 1 + 99 * 2 = 199 units; the 100th emoji would straddle the limit and is dropped whole.
  const std::string emoji_cut = Classify(std::runtime_error(emoji)).message;
  EXPECT_EQ(emoji_cut.size(), 1u + 99u * 4u);
  EXPECT_TRUE(core::IsWellFormedUtf8(emoji_cut));
}

TEST(ClassifyError, MessagesCarryNoStackTrace) {
  // C++ exceptions carry no trace; the classifier uses what()/details() only, so a message is
  // exactly what was thrown.
  const ClassifiedError classified = Classify(adapters::DecodeError("decode failed"));
  EXPECT_EQ(classified.message.find("\n"), std::string::npos);
  EXPECT_EQ(classified.message.find(" at "), std::string::npos);
}

TEST(ClassifyTritonStatus, MapsTritonCodesAndCallsEverythingElseInternal) {
  EXPECT_EQ(ClassifyTritonStatus(std::make_exception_ptr(Grpc(grpc::StatusCode::UNAVAILABLE, ""))),
            ModelErrorCode::kUnavailable);
  EXPECT_EQ(
      ClassifyTritonStatus(std::make_exception_ptr(Grpc(grpc::StatusCode::DEADLINE_EXCEEDED, ""))),
      ModelErrorCode::kDeadlineExceeded);
  EXPECT_EQ(
      ClassifyTritonStatus(std::make_exception_ptr(Grpc(grpc::StatusCode::RESOURCE_EXHAUSTED, ""))),
      ModelErrorCode::kInternal);
  EXPECT_EQ(ClassifyTritonStatus(std::make_exception_ptr(std::runtime_error("x"))),
            ModelErrorCode::kInternal);
  EXPECT_EQ(ClassifyTritonStatus(std::make_exception_ptr(adapters::ShapeError("x"))),
            ModelErrorCode::kInternal);
  EXPECT_EQ(ClassifyTritonStatus(nullptr), ModelErrorCode::kInternal);
}

TEST(ModelErrorCodeName, SpellsProtifersCodes) {
  EXPECT_EQ(ModelErrorCodeName(ModelErrorCode::kDecodeError), "DECODE_ERROR");
  EXPECT_EQ(ModelErrorCodeName(ModelErrorCode::kShapeMismatch), "SHAPE_MISMATCH");
  EXPECT_EQ(ModelErrorCodeName(ModelErrorCode::kDtypeMismatch), "DTYPE_MISMATCH");
  EXPECT_EQ(ModelErrorCodeName(ModelErrorCode::kNotFound), "NOT_FOUND");
}

}  // namespace
}  // namespace protifer::prediction
