// Where the JSON logger's lines go.
//
// A sink receives one complete line (ending in '\n') per call and writes it with one write under
// its own mutex, then flushes. So lines from concurrent threads never interleave, and a line is
// on its way to the container runtime before the process could crash after it.
#pragma once

#include <cstdio>
#include <mutex>
#include <ostream>
#include <string_view>

namespace protifer::obs {

class LogSink {
 public:
  virtual ~LogSink() = default;
  // Writes the whole line. Called concurrently from any thread; must not throw.
  virtual void WriteLine(std::string_view line) noexcept = 0;
};

// A C stream (stdout by default in the workers). The FILE* is borrowed: it must outlive the sink
// and is not closed by it.
class FileLogSink final : public LogSink {
 public:
  explicit FileLogSink(std::FILE* file) : file_(file) {}
  void WriteLine(std::string_view line) noexcept override;

 private:
  std::mutex mutex_;
  std::FILE* file_;
};

// A C++ stream (tests capture lines in a std::ostringstream). Borrowed like FileLogSink.
class OstreamLogSink final : public LogSink {
 public:
  explicit OstreamLogSink(std::ostream& stream) : stream_(stream) {}
  void WriteLine(std::string_view line) noexcept override;

 private:
  std::mutex mutex_;
  std::ostream& stream_;
};

}  // namespace protifer::obs
