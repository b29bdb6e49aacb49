#pragma once
// Minimal RFC 4180 CSV reading for the reference files: quoted fields, "" escapes,
// blank lines and lines starting with '#' skipped, header row by name.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace atomd {

struct CsvError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct CsvTable {
  std::vector<std::string> header;  // empty when the text has no row at all
  std::vector<std::vector<std::string>> rows;  // each padded to the header's width
  std::vector<int> line_numbers;  // source line of each row, for error messages
  int header_line = 0;            // source line of the header row (0: no header)

  // Column index by name; throws CsvError naming `source` when missing.
  std::size_t column(std::string_view name, std::string_view source) const;
  // Like column(), but a missing optional column is not an error.
  std::optional<std::size_t> find_column(std::string_view name) const;
};

// "<source>:<line>: <problem>", the shape of every reference-data error.
std::string located_message(std::string_view source, int line, std::string_view problem);

// Unquoted fields are trimmed of spaces and tabs; quoted fields are kept verbatim and may
// span lines. Throws CsvError ("<source>:<line>: ...") on an unterminated quote, text after
// a closing quote, a duplicate or empty header name, or a row wider than the header.
CsvTable parse_csv(std::string_view text, std::string_view source);

}  // namespace atomd
