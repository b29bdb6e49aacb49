#include "core/csv.hpp"

#include <algorithm>
#include <unordered_set>

namespace atomd {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Walks the text record by record; keeps the line counter exact across quoted newlines so
// every error points at the line a human would open.
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string_view source) : text_(text), source_(source) {
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    if (text_.substr(0, kBom.size()) == kBom) text_.remove_prefix(kBom.size());
  }

  // Next record's fields, or false at the end; `line` is the record's first line.
  bool next(std::vector<std::string>& fields, int& line) {
    skip_ignored_lines();
    if (pos_ >= text_.size()) return false;
    fields.clear();
    line = line_;
    while (true) {
      fields.push_back(read_field());
      if (pos_ >= text_.size()) return true;
      char c = text_[pos_++];
      if (c == '\n') {
        ++line_;
        return true;
      }
      // read_field stops only at ',' or '\n' (or the end).
    }
  }

 private:
  void skip_ignored_lines() {
    while (pos_ < text_.size()) {
      auto eol = text_.find('\n', pos_);
      auto end = eol == std::string_view::npos ? text_.size() : eol;
      auto line = text_.substr(pos_, end - pos_);
      if (!trim(line).empty() && line.front() != '#') return;
      pos_ = eol == std::string_view::npos ? text_.size() : eol + 1;
      ++line_;
    }
  }

  std::string read_field() {
    while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '"') return read_quoted();
    auto end = text_.find_first_of(",\n", pos_);
    if (end == std::string_view::npos) end = text_.size();
    auto field = trim(text_.substr(pos_, end - pos_));
    pos_ = end;
    return std::string(field);
  }

  std::string read_quoted() {
    const int start_line = line_;
    std::string value;
    ++pos_;  // opening quote
    while (true) {
      if (pos_ >= text_.size()) throw CsvError(located_message(source_, start_line, "unterminated quoted field"));
      char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          value.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\n') ++line_;
      value.push_back(c);
    }
    while (pos_ < text_.size() && (is_blank(text_[pos_]) || text_[pos_] == '\r')) ++pos_;
    if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n')
      throw CsvError(located_message(source_, line_, "unexpected text after a closing quote"));
    return value;
  }

  std::string_view text_;
  std::string_view source_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::string located_message(std::string_view source, int line, std::string_view problem) {
  std::string out(source);
  out += ':';
  out += std::to_string(line);
  out += ": ";
  out += problem;
  return out;
}

std::optional<std::size_t> CsvTable::find_column(std::string_view name) const {
  auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) return std::nullopt;
  return static_cast<std::size_t>(it - header.begin());
}

std::size_t CsvTable::column(std::string_view name, std::string_view source) const {
  if (auto index = find_column(name)) return *index;
  throw CsvError(located_message(source, std::max(header_line, 1), "missing column '" + std::string(name) + "'"));
}

CsvTable parse_csv(std::string_view text, std::string_view source) {
  CsvTable table;
  CsvReader reader(text, source);
  std::vector<std::string> fields;
  int line = 0;
  if (!reader.next(fields, line)) return table;

  std::unordered_set<std::string> seen;
  for (const auto& name : fields) {
    if (name.empty()) throw CsvError(located_message(source, line, "empty column name in the header"));
    if (!seen.insert(name).second) throw CsvError(located_message(source, line, "duplicate column '" + name + "'"));
  }
  table.header = fields;
  table.header_line = line;

  while (reader.next(fields, line)) {
    if (fields.size() > table.header.size())
      throw CsvError(located_message(source, line,
                                     std::to_string(fields.size()) + " fields but the header has " +
                                         std::to_string(table.header.size())));
    // Trailing empty columns (e.g. a missing notes field) may be left out.
    fields.resize(table.header.size());
    table.rows.push_back(fields);
    table.line_numbers.push_back(line);
  }
  return table;
}

}  // namespace atomd
