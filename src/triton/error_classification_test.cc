// Table tests of the one classification function, covering every (code, message) pair of
// spec/transport-failures.md's headline table, Triton's own UNAVAILABLE texts (anchors §2.3) and
// protifer's client tests (spec §4.8).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "triton/call_result.h"
#include "triton/triton_error.h"

namespace protifer::triton {
namespace {

using grpc::StatusCode;

struct Case {
  StatusCode code;
  std::string details;
  bool transient;
};

std::string Describe(const Case& c) {
  return std::string(StatusCodeName(c.code)) + " \"" + c.details + "\"";
}

void ExpectClassified(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(IsTransientFailure(c.code, c.details), c.transient) << Describe(c);
    EXPECT_EQ(TritonError::FromStatus(grpc::Status(c.code, c.details), 1).transient(), c.transient)
        << Describe(c);
  }
}

TEST(ErrorClassification, HeadlineTableOfMeasuredTransportFailures) {
  ExpectClassified({
      {StatusCode::RESOURCE_EXHAUSTED, "Received RST_STREAM with error code 11", true},
      {StatusCode::UNAVAILABLE, "GOAWAY received", true},
      {StatusCode::UNAVAILABLE, "Broken pipe", true},
      {StatusCode::RESOURCE_EXHAUSTED, "Server Threadpool Exhausted", true},
      {StatusCode::UNAVAILABLE, "recvmsg:Connection reset by peer", true},
      {StatusCode::UNAVAILABLE, "Connection reset by peer", true},
      {StatusCode::UNAVAILABLE, "Socket closed", true},
      {StatusCode::UNAVAILABLE,
       "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:50071: Failed to "
       "connect to remote host: Connection refused",
       true},
      {StatusCode::UNAVAILABLE,
       "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:50071: Failed to "
       "connect to remote host: Connection reset by peer",
       true},
      {StatusCode::UNAVAILABLE,
       "failed to connect to all addresses; last error: UNAVAILABLE: ipv4:127.0.0.1:50071: "
       "recvmsg:Connection reset by peer",
       true},
      {StatusCode::UNAVAILABLE, "keepalive watchdog timeout", true},
      {StatusCode::UNAVAILABLE, "recvmsg:Connection timed out", true},
      {StatusCode::UNAVAILABLE, "Too many pings", true},
      {StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded", false},
  });
}

TEST(ErrorClassification, OtherTransportAndOverloadTexts) {
  ExpectClassified({
      {StatusCode::UNAVAILABLE, "GOAWAY received; Error code: 11; Debug Text: too_many_pings",
       true},
      {StatusCode::UNAVAILABLE, "Transport closed", true},
      {StatusCode::UNAVAILABLE, "Received RST_STREAM with error code 7", true},  // REFUSED_STREAM
      {StatusCode::RESOURCE_EXHAUSTED, "Buffers full", true},
      {StatusCode::RESOURCE_EXHAUSTED, "Bandwidth exhausted", true},
      {StatusCode::INTERNAL, "Received RST_STREAM with error code 2", true},
      {StatusCode::INTERNAL, "Failed parsing HTTP/2", true},
      {StatusCode::INTERNAL, "stream reset by peer", true},
      {StatusCode::INTERNAL, "Connection dropped", true},
  });
}

TEST(ErrorClassification, TritonUnavailableTexts) {
  ExpectClassified({
      {StatusCode::UNAVAILABLE, "Exceeds maximum queue size", true},
      {StatusCode::UNAVAILABLE, "Request timeout expired", true},
      {StatusCode::UNAVAILABLE, "Server not ready", true},
      {StatusCode::UNAVAILABLE, "Server exiting", true},
      {StatusCode::UNAVAILABLE, "Request for unknown model: 'x' version 2 is not at ready state",
       true},
      {StatusCode::UNAVAILABLE,
       "GRPC server is shutting down and has stopped accepting new requests", true},
      {StatusCode::UNAVAILABLE,
       "This protocol is restricted, expecting header 'triton-grpc-protocol-infer-key'", false},
      {StatusCode::UNAVAILABLE, "this PROTOCOL is restricted", false},
  });
}

TEST(ErrorClassification, ProtiferClientTestCases) {
  ExpectClassified({
      {StatusCode::UNAVAILABLE, "Connection dropped", true},
      {StatusCode::INTERNAL, "Bandwidth exhausted or memory limit exceeded", true},
      {StatusCode::INTERNAL, "BANDWIDTH EXHAUSTED", true},
      {StatusCode::INTERNAL, "memory limit exceeded", true},
      {StatusCode::INTERNAL, "internal model assertion failed", false},
      {StatusCode::INVALID_ARGUMENT, "unexpected shape for input 'x'", false},
      {StatusCode::NOT_FOUND, "Request for unknown model: 'x' is not found", false},
      {StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded", false},
  });
}

TEST(ErrorClassification, MessageSizeLimitsAreNeverTransient) {
  ExpectClassified({
      {StatusCode::RESOURCE_EXHAUSTED, "Received message larger than max (70000000 vs. 67108864)",
       false},
      {StatusCode::RESOURCE_EXHAUSTED, "Sent message larger than max (70000000 vs. 67108864)",
       false},
      {StatusCode::RESOURCE_EXHAUSTED,
       "ModelInfer request for model 'x' is 70000000 bytes, above the 67108864-byte message limit "
       "(TRITON_MAX_MESSAGE_BYTES)",
       false},
      {StatusCode::RESOURCE_EXHAUSTED, "Too many streams", false},
      {StatusCode::RESOURCE_EXHAUSTED, "quota exceeded", false},
  });
}

TEST(ErrorClassification, CodesThatAreNeverTransientWhateverTheMessage) {
  for (StatusCode code :
       {StatusCode::CANCELLED, StatusCode::UNKNOWN, StatusCode::INVALID_ARGUMENT,
        StatusCode::DEADLINE_EXCEEDED, StatusCode::NOT_FOUND, StatusCode::ALREADY_EXISTS,
        StatusCode::PERMISSION_DENIED, StatusCode::FAILED_PRECONDITION, StatusCode::ABORTED,
        StatusCode::OUT_OF_RANGE, StatusCode::UNIMPLEMENTED, StatusCode::DATA_LOSS,
        StatusCode::UNAUTHENTICATED, StatusCode::OK}) {
    for (const char* details :
         {"Connection reset by peer", "Received RST_STREAM with error code 11",
          "Bandwidth exhausted", ""}) {
      EXPECT_FALSE(IsTransientFailure(code, details)) << StatusCodeName(code) << " " << details;
    }
  }
}

TEST(ErrorClassification, EmptyDetails) {
  EXPECT_TRUE(IsTransientFailure(StatusCode::UNAVAILABLE, ""));
  EXPECT_FALSE(IsTransientFailure(StatusCode::INTERNAL, ""));
  EXPECT_FALSE(IsTransientFailure(StatusCode::RESOURCE_EXHAUSTED, ""));
}

TEST(TritonError, KeepsCodeDetailsAndAttempts) {
  const TritonError error =
      TritonError::FromStatus(grpc::Status(StatusCode::UNAVAILABLE, "Socket closed"), 3);
  EXPECT_EQ(error.code(), StatusCode::UNAVAILABLE);
  EXPECT_EQ(error.code_name(), "UNAVAILABLE");
  EXPECT_EQ(error.details(), "Socket closed");
  EXPECT_EQ(error.attempts(), 3);
  EXPECT_TRUE(error.transient());
  EXPECT_FALSE(error.local());
  EXPECT_STREQ(error.what(), "UNAVAILABLE: Socket closed");
  EXPECT_EQ(error.ToStatus().error_code(), StatusCode::UNAVAILABLE);
  EXPECT_EQ(error.ToStatus().error_message(), "Socket closed");
}

TEST(TritonError, LocalErrorsAreNeverTransientAndSentNothing) {
  // UNAVAILABLE would be transient if it came from the wire; a local one is final.
  const TritonError error = TritonError::Local(StatusCode::UNAVAILABLE, "client closed");
  EXPECT_TRUE(error.local());
  EXPECT_FALSE(error.transient());
  EXPECT_EQ(error.attempts(), 0);
  EXPECT_STREQ(error.what(), "UNAVAILABLE: client closed");

  const TritonError final_error = TritonError::Final(StatusCode::UNAVAILABLE, "gave up", 2);
  EXPECT_FALSE(final_error.local());
  EXPECT_FALSE(final_error.transient());
  EXPECT_EQ(final_error.attempts(), 2);
}

TEST(StatusCodeName, NamesEveryCode) {
  EXPECT_EQ(StatusCodeName(StatusCode::OK), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(StatusCode::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(StatusCodeName(StatusCode::DO_NOT_USE), "UNKNOWN_STATUS_CODE");
}

TEST(CallResult, SuccessAndFailure) {
  const CallResult<int> success(42, 2);
  EXPECT_TRUE(success.ok());
  EXPECT_EQ(success.value(), 42);
  EXPECT_EQ(success.attempts(), 2);
  EXPECT_THROW((void)success.error(), std::logic_error);

  const CallResult<int> failure(
      TritonError::FromStatus(grpc::Status(StatusCode::NOT_FOUND, "no model"), 1));
  EXPECT_FALSE(failure.ok());
  EXPECT_EQ(failure.attempts(), 1);
  EXPECT_EQ(failure.error().code(), StatusCode::NOT_FOUND);
  try {
    (void)failure.value();
    FAIL() << "value() of a failure must throw";
  } catch (const TritonError& thrown) {
    EXPECT_EQ(thrown.code(), StatusCode::NOT_FOUND);
    EXPECT_EQ(thrown.details(), "no model");
  }
}

}  // namespace
}  // namespace protifer::triton
