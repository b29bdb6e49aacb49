// An outside Kafka client (kcat) and atomd's clients see the same topics on the embedded
// broker: the embedded mode is usable from other processes.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kafka/kafka.hpp"
#include "tests/kafka/test_support.hpp"

namespace atomd::kafka {
namespace {

using namespace std::chrono_literals;

bool kcat_available() { return std::system("command -v kcat >/dev/null 2>&1") == 0; }

// Runs a shell command (bounded by `timeout`), returns its stdout.
std::string run(const std::string& command) {
  std::string output;
  FILE* pipe = popen(("timeout 30 " + command).c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 4096> buffer{};
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    output.append(buffer.data(), n);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command;
  return output;
}

std::vector<std::string> sorted_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(Kcat, ReadsWhatProducerWrote) {
  if (!kcat_available()) GTEST_SKIP() << "kcat not on PATH";
  EmbeddedBroker broker(16);
  const std::string topic = "atom.hf.derivatives.v1";
  broker.create_topic(topic);
  std::vector<std::string> expected;
  {
    Producer producer(testing::producer_settings(broker.bootstrap()));
    for (int i = 0; i < 50; ++i) {
      const std::string key = "user" + std::to_string(i) + "/finetune";
      const std::string value = R"({"schema":1,"n":)" + std::to_string(i) + "}";
      producer.produce(topic, key, value);
      expected.push_back(key + " " + value);
    }
    ASSERT_TRUE(producer.flush(10s));
  }
  std::sort(expected.begin(), expected.end());
  const std::string output = run("kcat -q -b " + broker.bootstrap() + " -C -t " + topic +
                                 " -o beginning -e -f '%k %s\\n'");
  EXPECT_EQ(sorted_lines(output), expected);
}

TEST(Kcat, ConsumerReadsWhatKcatWrote) {
  if (!kcat_available()) GTEST_SKIP() << "kcat not on PATH";
  EmbeddedBroker broker(16);
  const std::string topic = "atom.hf.models.v1";
  broker.create_topic(topic);
  const auto input = std::filesystem::temp_directory_path() /
                     ("atomd_kcat_" + std::to_string(::getpid()) + ".txt");
  std::vector<std::string> expected;
  {
    std::ofstream out(input);
    for (int i = 0; i < 40; ++i) {
      const std::string key = "org" + std::to_string(i % 7) + "/model-" + std::to_string(i);
      const std::string value = R"({"schema":1,"likes":)" + std::to_string(i) + "}";
      out << key << '\t' << value << '\n';
      expected.push_back(key + " " + value);
    }
  }
  run("kcat -q -b " + broker.bootstrap() + " -P -t " + topic + " -K '\t' -l " + input.string());
  std::filesystem::remove(input);
  std::sort(expected.begin(), expected.end());

  Consumer consumer(testing::consumer_settings(broker.bootstrap(), "atomd"), {topic});
  std::vector<std::string> got;
  for (const auto& m : testing::consume(consumer, expected.size(), 20s))
    got.push_back(m.key + " " + m.value);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected);
}

}  // namespace
}  // namespace atomd::kafka
