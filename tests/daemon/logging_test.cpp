#include "daemon/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <nlohmann/json.hpp>

namespace atomd {
namespace {

TEST(JsonLogFormatter, OneEscapedObjectPerLine) {
  JsonLogFormatter formatter;
  spdlog::details::log_msg msg(spdlog::source_loc{}, "atomd", spdlog::level::warn,
                               "rejected \"x\"\nnext line \xff end");
  msg.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1737570272500));
  spdlog::memory_buf_t out;
  formatter.format(msg, out);
  std::string text(out.data(), out.size());
  ASSERT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << "exactly one line";
  auto line = nlohmann::json::parse(text);
  EXPECT_EQ(line["ts"], "2025-01-22T18:24:32.500Z");
  EXPECT_EQ(line["level"], "warning");
  EXPECT_EQ(line["logger"], "atomd");
  EXPECT_EQ(line["msg"], "rejected \"x\"\nnext line \xEF\xBF\xBD end");
}

}  // namespace
}  // namespace atomd
