#include "config/describe.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace protifer::config {

std::vector<FieldDoc> DescribeFields(const FieldTable& table) {
  std::vector<FieldDoc> docs;
  for (const FieldSpec& spec : table.specs()) {
    FieldDoc doc;
    doc.path = spec.path();
    doc.env_name = spec.env_name();
    doc.kind = spec.kind();
    doc.type = TypeDescription(spec);
    doc.description = spec.description();
    if (const auto& value = spec.default_value()) {
      doc.has_default = true;
      doc.default_repr = DefaultRepresentation(*value);
    } else if (spec.is_optional()) {
      doc.requirement = "optional";
    } else if (const auto& condition = spec.required_when()) {
      doc.requirement = "required if " + table.specs()[table.IndexOf(condition->path)].env_name() +
                        "=" + condition->value;
    } else {
      doc.requirement = "required";
    }
    docs.push_back(std::move(doc));
  }
  return docs;
}

std::string FormatDescribeTable(const std::vector<FieldDoc>& docs) {
  constexpr std::size_t kColumns = 6;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows;
  rows.push_back({"ENV", "KIND", "TYPE", "DEFAULT", "PATH", "DESCRIPTION"});
  for (const FieldDoc& doc : docs) {
    rows.push_back({doc.env_name, std::string(FieldKindName(doc.kind)), doc.type,
                    doc.has_default ? doc.default_repr : "(" + doc.requirement + ")", doc.path,
                    doc.description});
  }
  std::array<std::size_t, kColumns> widths{};
  for (const Row& row : rows) {
    for (std::size_t c = 0; c < kColumns; ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }
  std::string text;
  for (const Row& row : rows) {
    for (std::size_t c = 0; c < kColumns; ++c) {
      text += row[c];
      if (c + 1 < kColumns) {
        text.append(widths[c] - row[c].size() + 2, ' ');
      }
    }
    text += '\n';
  }
  text +=
      "\nEvery setting can instead name a file in <ENV>_FILE whose content (minus trailing\n"
      "whitespace) is the value. config: <ENV> wins over <ENV>_FILE; secret: <ENV>_FILE wins\n"
      "over <ENV>. Empty variables count as unset.\n";
  return text;
}

}  // namespace protifer::config
