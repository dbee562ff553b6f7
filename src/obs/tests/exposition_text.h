// Test helper: reads the Prometheus text exposition into "sample name{labels}" -> value, so tests
// assert on samples without depending on line order or label order.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace protifer::obs::testing {

struct Sample {
  std::string name;                           // e.g. "triton_model_infer_duration_seconds_bucket"
  std::map<std::string, std::string> labels;  // label name -> unescaped value
  double value = 0;
};

// Every sample line; comment lines (# HELP, # TYPE) are skipped. Throws std::runtime_error on a
// line it cannot read.
std::vector<Sample> ParseExposition(const std::string& text);

// The value of the one sample with this name and exactly these labels; throws if absent or
// ambiguous.
double SampleValue(const std::vector<Sample>& samples, const std::string& name,
                   const std::map<std::string, std::string>& labels);

// Whether a sample with this name and labels exists.
bool HasSample(const std::vector<Sample>& samples, const std::string& name,
               const std::map<std::string, std::string>& labels);

// The `le` boundaries (as numbers, +Inf included) of the buckets of `family` whose other labels
// equal `labels`, in the order they appear.
std::vector<double> BucketBounds(const std::vector<Sample>& samples, const std::string& family,
                                 const std::map<std::string, std::string>& labels);

}  // namespace protifer::obs::testing
