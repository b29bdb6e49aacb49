// A damaged state store never makes atomd crash-loop (DESIGN §5): a corrupt store is moved
// aside with one clear log line and rebuilt, giving the clean run's answers; a store written by
// an unknown format is refused (exit 1) with a message naming the version and --reset-state,
// which then wipes it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "operators/state_store.hpp"
#include "tests/fault/fault_support.hpp"

namespace atomd::fault {
namespace {

namespace fs = std::filesystem;
using testing::make_temp_dir;
using testing::read_file;
using testing::wait_until;
using testing::write_file;

constexpr auto kReplayTimeout = std::chrono::minutes(2);

// Inverts 64 bytes in the middle of the file.
void flip_middle(const fs::path& file) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  const auto size = static_cast<std::streamoff>(fs::file_size(file));
  const std::streamoff at = size / 2 - 32 > 0 ? size / 2 - 32 : 0;
  std::string bytes(static_cast<std::size_t>(std::min<std::streamoff>(64, size - at)), '\0');
  f.seekg(at);
  f.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  for (char& c : bytes) c = static_cast<char>(~static_cast<unsigned char>(c));
  f.seekp(at);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::vector<fs::path> files_with_extension(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ext) found.push_back(entry.path());
  return found;
}

// "<state>.corrupt-<unix seconds>" siblings of `state`.
std::vector<fs::path> moved_aside(const fs::path& state) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(state.parent_path()))
    if (entry.path().filename().string().starts_with(state.filename().string() + ".corrupt-")) found.push_back(entry.path());
  return found;
}

class StateStoreFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir(std::string("fault-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    // The last 8k lines of the demo history: every input topic, a few seconds to replay.
    history_ = write_history(dir_, "history.jsonl", "2026-03-31", 8'000);
  }

  // A daemon on `state` (absolute) replaying the file to the end; its settled answers.
  Answers run_to_end(const std::string& name, const std::string& state, std::string* log = nullptr) {
    const std::string run_dir = dir_ + "/" + name;
    fs::create_directories(run_dir);
    DaemonProcess daemon(daemon_args(history_, state), run_dir);
    EXPECT_TRUE(daemon.wait_ready()) << name << "\n" << log_tail(daemon);
    EXPECT_TRUE(wait_replay_done(daemon, kReplayTimeout)) << name << "\n" << log_tail(daemon);
    Answers answers = collect_settled(daemon);
    EXPECT_EQ(daemon.terminate(), 0) << name << "\n" << log_tail(daemon);
    if (log) *log = daemon.stderr_text();
    return answers;
  }

  std::string dir_;
  std::string history_;
};

// Corruption found on open (CURRENT) and found on read (every table file): both times one
// clear line, the store moved aside, rebuilt from the replay, the clean run's answers.
TEST_F(StateStoreFaults, CorruptStoreRebuilds) {
  const fs::path state = fs::path(dir_) / "state";
  const Answers clean = run_to_end("clean", state.string());
  ASSERT_FALSE(clean.metrics.empty());
  // A restart on the intact store resumes at the end of the file and changes nothing; opening
  // it again also flushes its write-ahead log into table files for the second corruption.
  std::string resumed_log;
  const Answers resumed = run_to_end("resumed", state.string(), &resumed_log);
  auto diff = diff_answers(clean, resumed);
  EXPECT_TRUE(diff.empty()) << "a restart after a clean shutdown changed the answers: " << format_diff(diff);

  const fs::path state_sst = fs::path(dir_) / "state-sst";
  fs::copy(state, state_sst, fs::copy_options::recursive);
  ASSERT_TRUE(fs::exists(state / "CURRENT"));
  write_file((state / "CURRENT").string(), "\x01garbage, not a MANIFEST name\xff\n");
  const auto tables = files_with_extension(state_sst, ".sst");
  ASSERT_FALSE(tables.empty()) << "no table files in " << state_sst << " to corrupt";
  for (const auto& table : tables) flip_middle(table);

  struct Case {
    std::string name;
    fs::path state;
  };
  for (const Case& c : {Case{"corrupt-current", state}, Case{"corrupt-sst", state_sst}}) {
    SCOPED_TRACE(c.name);
    std::string log;
    const Answers rebuilt = run_to_end(c.name, c.state.string(), &log);
    const auto lines = lines_with(log, {"state store", "corrupt", c.state.string()});
    EXPECT_EQ(lines.size(), 1u) << "want one line naming the state store, 'corrupt' and " << c.state << ":\n" << log;
    EXPECT_EQ(moved_aside(c.state).size(), 1u) << "the corrupt store was not moved aside to " << c.state
                                               << ".corrupt-<unix seconds>";
    diff = diff_answers(clean, rebuilt);
    EXPECT_TRUE(diff.empty()) << "answers after rebuilding the corrupt store differ from the clean run's: "
                              << format_diff(diff);
  }
}

TEST_F(StateStoreFaults, UnknownFormatRefused) {
  const fs::path state = fs::path(dir_) / "state";
  {
    auto store = StateStore::open(state);
    StateBatch batch;
    batch.put(kMetaNamespace, "format", "99");
    store->commit(batch);
  }
  {
    fs::create_directories(dir_ + "/refused");
    DaemonProcess daemon(daemon_args(history_, state.string()), dir_ + "/refused");
    EXPECT_EQ(daemon.wait_exit(std::chrono::seconds(60)), 1) << log_tail(daemon);
    const std::string log = daemon.stderr_text();
    EXPECT_FALSE(lines_with(log, {"state format", "99"}).empty()) << log;
    EXPECT_NE(log.find("--reset-state"), std::string::npos) << log;
    EXPECT_TRUE(moved_aside(state).empty()) << "a store of another format is not corrupt: it must stay where it is";
  }
  EXPECT_THROW(StateStore::open(state), StateFormatRefused) << "the refused store was changed";
  // --reset-state wipes it: the daemon starts on an empty store and replays the file.
  fs::create_directories(dir_ + "/reset");
  DaemonProcess daemon(daemon_args(history_, state.string(), {"--reset-state"}), dir_ + "/reset");
  ASSERT_TRUE(daemon.wait_ready()) << log_tail(daemon);
  EXPECT_TRUE(wait_replay_done(daemon, kReplayTimeout)) << log_tail(daemon);
  EXPECT_EQ(daemon.terminate(), 0) << log_tail(daemon);
  EXPECT_NO_THROW(StateStore::open(state));
}

}  // namespace
}  // namespace atomd::fault
