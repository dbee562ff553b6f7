#include "obs/tests/exposition_text.h"

#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace protifer::obs::testing {
namespace {

double ParseNumber(const std::string& text) {
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  std::size_t used = 0;
  const double value = std::stod(text, &used);
  if (used != text.size()) throw std::runtime_error("not a number: " + text);
  return value;
}

// Reads `name="value",...}` starting after '{'; returns the position after '}'.
std::size_t ParseLabels(const std::string& line, std::size_t pos,
                        std::map<std::string, std::string>& labels) {
  while (pos < line.size() && line[pos] != '}') {
    const std::size_t eq = line.find('=', pos);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
      throw std::runtime_error("bad label in: " + line);
    }
    const std::string name = line.substr(pos, eq - pos);
    std::string value;
    std::size_t i = eq + 2;
    for (; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        value.push_back(line[i] == 'n' ? '\n' : line[i]);
      } else {
        value.push_back(line[i]);
      }
    }
    if (i >= line.size()) throw std::runtime_error("unterminated label value in: " + line);
    labels[name] = value;
    pos = i + 1;
    if (pos < line.size() && line[pos] == ',') ++pos;
  }
  if (pos >= line.size()) throw std::runtime_error("unterminated labels in: " + line);
  return pos + 1;
}

}  // namespace

std::vector<Sample> ParseExposition(const std::string& text) {
  std::vector<Sample> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample sample;
    std::size_t pos = line.find_first_of("{ ");
    if (pos == std::string::npos) throw std::runtime_error("bad sample line: " + line);
    sample.name = line.substr(0, pos);
    if (line[pos] == '{') pos = ParseLabels(line, pos + 1, sample.labels);
    if (pos >= line.size() || line[pos] != ' ') throw std::runtime_error("bad sample: " + line);
    std::string value = line.substr(pos + 1);
    // An optional timestamp follows the value; prometheus-cpp writes none, but be tolerant.
    if (const std::size_t space = value.find(' '); space != std::string::npos) value.resize(space);
    sample.value = ParseNumber(value);
    samples.push_back(std::move(sample));
  }
  return samples;
}

double SampleValue(const std::vector<Sample>& samples, const std::string& name,
                   const std::map<std::string, std::string>& labels) {
  const Sample* found = nullptr;
  for (const Sample& sample : samples) {
    if (sample.name != name || sample.labels != labels) continue;
    if (found != nullptr) throw std::runtime_error("duplicate sample " + name);
    found = &sample;
  }
  if (found == nullptr) throw std::runtime_error("no sample " + name);
  return found->value;
}

bool HasSample(const std::vector<Sample>& samples, const std::string& name,
               const std::map<std::string, std::string>& labels) {
  for (const Sample& sample : samples) {
    if (sample.name == name && sample.labels == labels) return true;
  }
  return false;
}

std::vector<double> BucketBounds(const std::vector<Sample>& samples, const std::string& family,
                                 const std::map<std::string, std::string>& labels) {
  std::vector<double> bounds;
  for (const Sample& sample : samples) {
    if (sample.name != family + "_bucket") continue;
    auto others = sample.labels;
    const auto le = others.find("le");
    if (le == others.end()) throw std::runtime_error("bucket without le");
    const std::string le_text = le->second;
    others.erase(le);
    if (others == labels) bounds.push_back(ParseNumber(le_text));
  }
  return bounds;
}

}  // namespace protifer::obs::testing
