#pragma once
// Minimal RFC 4180 CSV reading for the reference files: quoted fields, "" escapes,
// blank lines and lines starting with '#' skipped, header row by name.
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace atomd {

struct CsvError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> line_numbers;  // source line of each row, for error messages

  // Column index by name; throws CsvError naming `source` when missing.
  std::size_t column(std::string_view name, std::string_view source) const;
};

// Throws CsvError ("<source>:<line>: ...") on an unterminated quote.
CsvTable parse_csv(std::string_view text, std::string_view source);

}  // namespace atomd
