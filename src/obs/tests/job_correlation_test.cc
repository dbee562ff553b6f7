#include "obs/job_correlation.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace protifer::obs {
namespace {

TEST(JobCorrelationTest, UsesTheJobsRequestIdAndDerivesTheTraceIdFromIt) {
  const nlohmann::json data = {{"request_id", "abc"}, {"userId", "user-1"}, {"sequence", "MKT"}};
  const JobCorrelation correlation = CorrelateJob(data, 0x12345678);
  EXPECT_EQ(correlation.request_id, "abc");
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2).
  EXPECT_EQ(correlation.trace_id, "ba7816bf8f01cfea414140de5dae2223");
  EXPECT_EQ(correlation.span_id, "0000000000000000");
  EXPECT_EQ(correlation.user_id, "user-1");
}

TEST(JobCorrelationTest, MintsAWorkerRequestIdWhenTheJobHasNone) {
  EXPECT_EQ(CorrelateJob(nlohmann::json::object(), 0xdeadbeef).request_id, "worker-deadbeef");
  EXPECT_EQ(CorrelateJob({{"request_id", ""}}, 0x1).request_id, "worker-00000001");
  EXPECT_EQ(CorrelateJob({{"request_id", 42}}, 0xa0).request_id, "worker-000000a0");
  EXPECT_EQ(CorrelateJob(nlohmann::json(), 0).request_id, "worker-00000000");
  const JobCorrelation minted = CorrelateJob(nlohmann::json::object(), 0xdeadbeef);
  EXPECT_EQ(minted.trace_id, TraceIdFor("worker-deadbeef"));
  EXPECT_EQ(minted.trace_id.size(), 32u);
  EXPECT_FALSE(minted.user_id.has_value());
}

// ^worker-[0-9a-f]{8}$ (spec §6.3), checked by hand: std::regex trips a GCC 12 warning under ASan.
bool HasWorkerRequestIdShape(const std::string& id) {
  const std::string prefix = "worker-";
  if (id.size() != prefix.size() + 8 || id.compare(0, prefix.size(), prefix) != 0) return false;
  for (std::size_t i = prefix.size(); i < id.size(); ++i) {
    const char c = id[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST(JobCorrelationTest, RandomRequestIdsHaveProtifersShapeAndDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    const std::string id = CorrelateJob(nlohmann::json::object()).request_id;
    EXPECT_TRUE(HasWorkerRequestIdShape(id)) << id;
    ids.insert(id);
  }
  EXPECT_GT(ids.size(), 45u);  // 50 draws of 32 bits: a handful of collisions at most
  EXPECT_FALSE(HasWorkerRequestIdShape("worker-DEADBEEF"));
  EXPECT_FALSE(HasWorkerRequestIdShape("worker-deadbee"));
}

TEST(JobCorrelationTest, LogFieldsCarryJobIdAndCorrelation) {
  const JobCorrelation with_user = CorrelateJob({{"request_id", "r"}, {"userId", "u"}}, 0);
  EXPECT_EQ(JobLogFields("17", with_user), (nlohmann::json{{"jobId", "17"},
                                                           {"request_id", "r"},
                                                           {"trace_id", TraceIdFor("r")},
                                                           {"span_id", "0000000000000000"},
                                                           {"user_id", "u"}}));
  const JobCorrelation without_user = CorrelateJob({{"request_id", "r"}}, 0);
  EXPECT_FALSE(JobLogFields("17", without_user).contains("user_id"));
}

}  // namespace
}  // namespace protifer::obs
