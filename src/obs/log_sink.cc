#include "obs/log_sink.h"

#include <exception>

namespace protifer::obs {

void FileLogSink::WriteLine(std::string_view line) noexcept {
  std::lock_guard lock(mutex_);
  // A failed write (closed stdout, full disk) is dropped: logging must never take the worker down.
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

void OstreamLogSink::WriteLine(std::string_view line) noexcept {
  std::lock_guard lock(mutex_);
  try {
    stream_.write(line.data(), static_cast<std::streamsize>(line.size()));
    stream_.flush();
  } catch (const std::exception&) {
    // A stream with exceptions enabled reported a failed write: dropped, as in FileLogSink.
  }
}

}  // namespace protifer::obs
