#include "daemon/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace atomd {

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
  std::string_view level(spdlog::level::to_string_view(msg.level).data(), spdlog::level::to_string_view(msg.level).size());
  nlohmann::json line = {{"ts", format_rfc3339(ms)},
                         {"level", level},
                         {"logger", std::string_view(msg.logger_name.data(), msg.logger_name.size())},
                         {"msg", std::string_view(msg.payload.data(), msg.payload.size())}};
  // Invalid UTF-8 in a message (e.g. from a bad record) is replaced, never an exception.
  auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  dest.append(text.data(), text.data() + text.size());
  dest.push_back('\n');
}

void setup_logging(const std::string& format, const std::string& level) {
  auto logger = spdlog::get("atomd");
  if (!logger) logger = spdlog::stderr_color_mt("atomd");
  spdlog::set_default_logger(logger);
  if (format == "json") {
    spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
  } else {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  }
  spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace atomd
