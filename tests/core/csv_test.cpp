#include "core/csv.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace atomd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string error_of(std::string_view text, std::string_view source = "t.csv") {
  try {
    parse_csv(text, source);
  } catch (const CsvError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Csv, HeaderAndRows) {
  auto t = parse_csv("a,b,c\n1,2,3\n4,5,6\n", "t.csv");
  EXPECT_THAT(t.header, ElementsAre("a", "b", "c"));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_THAT(t.rows[1], ElementsAre("4", "5", "6"));
  EXPECT_THAT(t.line_numbers, ElementsAre(2, 3));
  EXPECT_EQ(t.header_line, 1);
  EXPECT_EQ(t.column("c", "t.csv"), 2u);
}

TEST(Csv, SkipsBlankAndCommentLinesAndCountsThem) {
  auto t = parse_csv("# comment\n\nmodel_id,x\n# another, with \"quotes\n  \na/b,1\n\n", "t.csv");
  EXPECT_THAT(t.header, ElementsAre("model_id", "x"));
  EXPECT_EQ(t.header_line, 3);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_THAT(t.rows[0], ElementsAre("a/b", "1"));
  EXPECT_THAT(t.line_numbers, ElementsAre(6));
}

TEST(Csv, QuotedFieldsWithEscapesCommasAndNewlines) {
  auto t = parse_csv("id,notes,n\nx,\"a, \"\"b\"\"\",1\ny,\"two\nlines\",2\nz,\"\",3\n", "t.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_THAT(t.rows[0], ElementsAre("x", "a, \"b\"", "1"));
  EXPECT_THAT(t.rows[1], ElementsAre("y", "two\nlines", "2"));
  EXPECT_THAT(t.rows[2], ElementsAre("z", "", "3"));
  EXPECT_THAT(t.line_numbers, ElementsAre(2, 3, 5));  // the quoted newline counts as a line
}

TEST(Csv, HashInsideARecordIsData) {
  auto t = parse_csv("a,b\n\"x\n# not a comment\",1\n", "t.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0][0], "x\n# not a comment");
}

TEST(Csv, CrLfBomTrimmingAndMissingTrailingFields) {
  auto t = parse_csv("\xEF\xBB\xBFhf_org, region ,notes\r\n Qwen , china\r\n\"  spaced \",eu,\r\n", "t.csv");
  EXPECT_THAT(t.header, ElementsAre("hf_org", "region", "notes"));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_THAT(t.rows[0], ElementsAre("Qwen", "china", ""));  // padded to the header's width
  EXPECT_THAT(t.rows[1], ElementsAre("  spaced ", "eu", ""));
}

TEST(Csv, NoTrailingNewlineAndTrailingComma) {
  auto t = parse_csv("a,b\n1,", "t.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_THAT(t.rows[0], ElementsAre("1", ""));
}

TEST(Csv, EmptyTextHasNoHeader) {
  auto t = parse_csv("# only a comment\n\n", "t.csv");
  EXPECT_TRUE(t.header.empty());
  EXPECT_TRUE(t.rows.empty());
  EXPECT_THROW(t.column("a", "t.csv"), CsvError);
}

TEST(Csv, ErrorsNameSourceAndLine) {
  EXPECT_EQ(error_of("a,b\n1,2\n3,\"open\n\n", "regions.csv"), "regions.csv:3: unterminated quoted field");
  EXPECT_EQ(error_of("a,b\n1,\"x\"y\n"), "t.csv:2: unexpected text after a closing quote");
  EXPECT_EQ(error_of("a,b\n\n1,2,3\n"), "t.csv:3: 3 fields but the header has 2");
  EXPECT_EQ(error_of("# c\na,a\n"), "t.csv:2: duplicate column 'a'");
  EXPECT_EQ(error_of("a,,b\n"), "t.csv:1: empty column name in the header");
  auto t = parse_csv("\n\nalias,org\n", "org_aliases.csv");
  try {
    t.column("hf_org", "org_aliases.csv");
    ADD_FAILURE() << "missing column not reported";
  } catch (const CsvError& e) {
    EXPECT_STREQ(e.what(), "org_aliases.csv:3: missing column 'hf_org'");
  }
  EXPECT_FALSE(t.find_column("hf_org"));
  EXPECT_EQ(t.find_column("org"), 1u);
}

TEST(Csv, LocatedMessageShape) {
  EXPECT_EQ(located_message("sizes.csv", 12, "bad number"), "sizes.csv:12: bad number");
  EXPECT_THAT(error_of("x\n\"", "f"), HasSubstr("f:2:"));
}

}  // namespace
}  // namespace atomd
