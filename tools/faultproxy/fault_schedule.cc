#include "faultproxy/fault_schedule.h"

#include <algorithm>
#include <cctype>

namespace protifer::faultproxy {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

ParsedSchedule Failure(std::string_view entry, std::string_view message) {
  return ParsedSchedule{{}, "schedule entry '" + std::string(entry) + "': " + std::string(message)};
}

}  // namespace

ParsedSchedule ParseFaultSchedule(std::string_view text) {
  ParsedSchedule schedule;
  if (Trim(text).empty()) return schedule;

  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view entry = Trim(text.substr(start, comma - start));
    start = comma + 1;
    if (entry.empty()) return Failure(entry, "empty entry");

    ScheduledFault scheduled;
    std::string_view action_part = entry;
    if (std::size_t at = entry.rfind('@'); at != std::string_view::npos) {
      auto time = ParseDuration(Trim(entry.substr(at + 1)));
      if (!time) return Failure(entry, "bad time after '@' (use e.g. 500ms or 2s)");
      scheduled.at = *time;
      action_part = Trim(entry.substr(0, at));
    }

    // "name=argument" reads as the control line "name argument".
    std::string line(action_part);
    if (std::size_t equals = line.find('='); equals != std::string::npos) {
      if (equals + 1 == line.size()) return Failure(entry, "missing argument after '='");
      line[equals] = ' ';
    }

    ParsedCommand parsed = ParseFaultCommand(line);
    if (!parsed.command) return Failure(entry, parsed.error);
    if (parsed.command->connection) {
      return Failure(entry, "a schedule applies to all connections; conn=ID is not allowed");
    }
    if (!IsMutatingAction(parsed.command->action)) {
      return Failure(entry, "only commands that inject or remove faults can be scheduled");
    }
    scheduled.command = *parsed.command;
    schedule.entries.push_back(scheduled);
  }

  std::stable_sort(schedule.entries.begin(), schedule.entries.end(),
                   [](const ScheduledFault& a, const ScheduledFault& b) { return a.at < b.at; });
  return schedule;
}

}  // namespace protifer::faultproxy
