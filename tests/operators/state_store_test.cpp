#include "operators/state_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <thread>

namespace atomd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path test_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests: "Suite/Test/0"
  return fs::path(ATOMD_BINARY_DIR) / "test-tmp" / "state_store" / name;
}

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_dir();
    fs::remove_all(dir_);
    for (const auto& aside : aside_paths()) fs::remove_all(aside);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    for (const auto& aside : aside_paths()) fs::remove_all(aside);
  }
  std::vector<fs::path> aside_paths() const {
    std::vector<fs::path> out;
    if (!fs::exists(dir_.parent_path())) return out;
    for (const auto& e : fs::directory_iterator(dir_.parent_path()))
      if (e.path().filename().string().starts_with(dir_.filename().string() + ".corrupt-")) out.push_back(e.path());
    return out;
  }
  fs::path dir_;
};

std::map<std::string, std::string> contents(const StateStore& store, std::string_view ns) {
  std::map<std::string, std::string> out;
  std::string previous;
  store.for_each(ns, [&](std::string_view k, std::string_view v) {
    EXPECT_TRUE(out.empty() || std::string(k) > previous) << "keys out of order at " << k;
    previous = std::string(k);
    out.emplace(k, v);
  });
  return out;
}

using Contents = std::map<std::string, std::string>;

// Values that do not compress, so a table file is mostly data blocks.
std::string noise(std::mt19937_64& rng, std::size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::vector<fs::path> files_ending(const fs::path& dir, std::string_view suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().ends_with(suffix)) out.push_back(e.path());
  return out;
}

void overwrite(const fs::path& file, std::uintmax_t offset, std::string_view bytes) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f) << file;
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST_F(StateStoreTest, PutsErasesAndClearsAcrossNamespacesSurviveReopen) {
  {
    auto store = StateStore::open(dir_);
    EXPECT_EQ(store->dir(), dir_);
    EXPECT_FALSE(store->has_checkpoint());
    StateBatch b;
    EXPECT_TRUE(b.empty());
    b.put("downloads", "org/a", "1");
    b.put("downloads", "org/b", "2");
    b.put("ram", "org/a", "curve-a");
    b.put("ram", "org/b", "curve-b");
    b.put("derivatives", "ids/00", std::string("\0\1\2", 3));
    EXPECT_EQ(b.operations(), 5u);
    EXPECT_EQ(b.bytes(), 5u + 1 + 5 + 1 + 5 + 7 + 5 + 7 + 6 + 3);
    store->commit(b);
    EXPECT_EQ(store->get("downloads", "org/b"), "2");
  }
  {
    auto store = StateStore::open(dir_);
    EXPECT_EQ(contents(*store, "downloads"), (Contents{{"org/a", "1"}, {"org/b", "2"}}));
    StateBatch b;
    b.erase("downloads", "org/a");
    b.put("downloads", "org/b", "20");
    b.put("ram", "org/c", "curve-c");  // put before the clear in call order: still kept
    b.clear_namespace("ram");
    b.erase("nowhere", "x");        // a namespace that does not exist: nothing to erase
    b.clear_namespace("nowhere2");  // nor to clear
    b.put(kMetaNamespace, "checkpoint", "7");
    store->commit(b);
    EXPECT_TRUE(store->has_checkpoint());
  }
  auto store = StateStore::open(dir_);
  EXPECT_EQ(contents(*store, "downloads"), (Contents{{"org/b", "20"}}));
  EXPECT_EQ(contents(*store, "ram"), (Contents{{"org/c", "curve-c"}}));
  EXPECT_EQ(contents(*store, "derivatives"), (Contents{{"ids/00", std::string("\0\1\2", 3)}}));
  EXPECT_EQ(store->get("downloads", "org/a"), std::nullopt);
  EXPECT_EQ(store->get("absent", "org/a"), std::nullopt);
  EXPECT_TRUE(contents(*store, "absent").empty());
  EXPECT_TRUE(store->has_checkpoint());
  EXPECT_EQ(store->get(kMetaNamespace, "format"), std::to_string(kStateFormatVersion));
  EXPECT_THAT(store->namespaces(), ::testing::UnorderedElementsAre("downloads", "ram", "derivatives", "meta"));
}

TEST_F(StateStoreTest, BatchToANewNamespaceCreatesIt) {
  {
    auto store = StateStore::open(dir_);
    EXPECT_THAT(store->namespaces(), ::testing::ElementsAre("meta"));  // only the format key
    StateBatch b;
    b.put("inference", "slug@2025-01-01", "v");
    store->commit(b);
    EXPECT_THAT(store->namespaces(), ::testing::UnorderedElementsAre("meta", "inference"));
    store->commit(StateBatch{});  // empty: nothing happens
  }
  auto store = StateStore::open(dir_);
  EXPECT_THAT(store->namespaces(), ::testing::UnorderedElementsAre("meta", "inference"));
  EXPECT_EQ(store->get("inference", "slug@2025-01-01"), "v");
}

// The child commits batches i = 1, 2, … each putting "x" = i into three namespaces (plus 64 KiB
// of filler so a write takes a while) and logs i after each commit; it is killed with SIGKILL
// `kill_after_ms` after its first commit. The store must then hold one whole batch: the same x
// everywhere, and not older than the last one the child saw committed.
[[noreturn]] void commit_until_killed(const fs::path& dir, const fs::path& log, int kill_after_ms) {
  auto store = StateStore::open(dir);
  std::mt19937_64 rng(static_cast<std::uint64_t>(kill_after_ms));
  std::ofstream out(log, std::ios::app);
  std::optional<std::thread> killer;
  for (int i = 1;; ++i) {
    StateBatch b;
    for (std::string ns : {"a", "b", "c"}) {
      b.put(ns, "x", std::to_string(i));
      b.put(ns, "filler" + std::to_string(i % 8), noise(rng, 64 << 10));
    }
    store->commit(b);
    out << i << std::endl;
    if (!killer)
      killer.emplace([kill_after_ms] {
        std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
        std::raise(SIGKILL);
      });
  }
}

class StateStoreKillTest : public StateStoreTest, public ::testing::WithParamInterface<int> {};

// One death test per test: the threadsafe style re-runs the test body up to it in the child.
TEST_P(StateStoreKillTest, BatchIsAllOrNothingWhenKilledMidWrite) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // the child re-executes: no inherited RocksDB threads
  const int kill_after_ms = GetParam();
  const fs::path log = dir_.string() + ".log";
  fs::remove(log);
  EXPECT_EXIT(commit_until_killed(dir_, log, kill_after_ms), ::testing::KilledBySignal(SIGKILL), "");
  int last_logged = 0;
  {
    std::ifstream in(log);
    for (int i; in >> i;) last_logged = i;
  }
  fs::remove(log);
  auto store = StateStore::open(dir_);
  const auto a = store->get("a", "x");
  ASSERT_GE(last_logged, 1);
  ASSERT_TRUE(a.has_value()) << "lost the committed batch " << last_logged;
  EXPECT_EQ(store->get("b", "x"), a);
  EXPECT_EQ(store->get("c", "x"), a);
  EXPECT_GE(std::stoi(*a), last_logged);
  EXPECT_LE(std::stoi(*a), last_logged + 1);  // at most the batch in flight when killed
}
INSTANTIATE_TEST_SUITE_P(KillAfterMs, StateStoreKillTest, ::testing::Values(10, 45, 90, 150));

TEST_F(StateStoreTest, GarbageCurrentFileIsReportedWithTheDirectory) {
  {
    auto store = StateStore::open(dir_);
    StateBatch b;
    b.put("a", "k", "v");
    store->commit(b);
  }
  std::ofstream(dir_ / "CURRENT", std::ios::trunc) << "\x01garbage\xff";
  try {
    StateStore::open(dir_);
    FAIL() << "opened a store whose CURRENT is garbage";
  } catch (const StateStoreCorrupt& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir_.string()));
  }
}

TEST_F(StateStoreTest, GarbageManifestIsCorrupt) {
  {
    auto store = StateStore::open(dir_);
    StateBatch b;
    b.put("a", "k", "v");
    store->commit(b);
  }
  int damaged = 0;
  for (const auto& e : fs::directory_iterator(dir_))
    if (const fs::path& f = e.path(); f.filename().string().starts_with("MANIFEST-")) {
      std::ofstream(f, std::ios::binary | std::ios::trunc) << std::string(300, '\xA5');
      ++damaged;
    }
  ASSERT_GT(damaged, 0);
  try {
    StateStore::open(dir_);
    FAIL() << "opened a store whose MANIFEST is garbage";
  } catch (const StateStoreCorrupt& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir_.string()));
  }
}

TEST_F(StateStoreTest, FlippedBytesInATableFileAreCorruptOnRead) {
  std::mt19937_64 rng(42);
  Contents written;
  {
    auto store = StateStore::open(dir_);
    StateBatch b;
    for (int i = 0; i < 2'000; ++i) {
      char key[16];
      std::snprintf(key, sizeof key, "k%05d", i);
      written[key] = noise(rng, 1'000);
      b.put("a", key, written[key]);
    }
    store->commit(b);
  }
  // Reopening replays the WAL into a level-0 table file.
  StateStore::open(dir_).reset();
  auto tables = files_ending(dir_, ".sst");
  ASSERT_FALSE(tables.empty());
  const fs::path table = *std::max_element(tables.begin(), tables.end(), [](const fs::path& x, const fs::path& y) {
    return fs::file_size(x) < fs::file_size(y);
  });
  ASSERT_GT(fs::file_size(table), 1'000'000u);
  {
    auto store = StateStore::open(dir_);  // intact: reads back exactly what was written
    EXPECT_EQ(contents(*store, "a"), written);
  }
  overwrite(table, fs::file_size(table) / 2, std::string(64, '\x5A'));

  auto store = StateStore::open(dir_);  // tables' data blocks are only checked when read
  try {
    store->for_each("a", [](std::string_view, std::string_view) {});
    FAIL() << "read a damaged table without noticing";
  } catch (const StateStoreCorrupt& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir_.string()));
  }
}

TEST_F(StateStoreTest, DataFilesWithoutCurrentAreNotTakenForANewStore) {
  {
    auto store = StateStore::open(dir_);
    StateBatch b;
    b.put("a", "k", "v");
    store->commit(b);
  }
  fs::remove(dir_ / "CURRENT");
  const auto before = std::distance(fs::directory_iterator(dir_), fs::directory_iterator());
  try {
    StateStore::open(dir_);
    FAIL() << "opened a store without CURRENT";
  } catch (const StateStoreCorrupt& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir_.string()));
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), before);  // nothing deleted
}

TEST_F(StateStoreTest, NewerFormatIsRefusedNamingBothVersions) {
  {
    auto store = StateStore::open(dir_);
    StateBatch b;
    b.put(kMetaNamespace, "format", "99");
    b.put("a", "k", "v");
    store->commit(b);
  }
  try {
    StateStore::open(dir_);
    FAIL() << "opened a format-99 store";
  } catch (const StateFormatRefused& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir_.string()));
    EXPECT_THAT(e.what(), HasSubstr("format 99"));
    EXPECT_THAT(e.what(), HasSubstr("supports format 1"));
    EXPECT_THAT(e.what(), HasSubstr("--reset-state"));
  }
}

TEST_F(StateStoreTest, UnreadableFormatIsRefused) {
  {
    auto store = StateStore::open(dir_);
    StateBatch b;
    b.put(kMetaNamespace, "format", "1x");
    store->commit(b);
  }
  EXPECT_THROW(StateStore::open(dir_), StateFormatRefused);
}

void write_plain_rocksdb(const fs::path& dir, bool with_data) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, dir.string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  if (with_data) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), "someone", "else's data").ok());
  }
  ASSERT_TRUE(db->Close().ok());
}

TEST_F(StateStoreTest, ForeignRocksDbWithDataIsRefused) {
  write_plain_rocksdb(dir_, true);
  try {
    StateStore::open(dir_);
    FAIL() << "adopted a RocksDB atomd did not write";
  } catch (const StateFormatRefused& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir_.string()));
    EXPECT_THAT(e.what(), HasSubstr("no atomd format key"));
  }
}

TEST_F(StateStoreTest, EmptyRocksDbBecomesAStore) {
  write_plain_rocksdb(dir_, false);
  StateStore::open(dir_).reset();
  EXPECT_EQ(StateStore::open(dir_)->get(kMetaNamespace, "format"), "1");
}

TEST_F(StateStoreTest, MoveAsideKeepsEverything) {
  {
    auto store = StateStore::open(dir_);
    StateBatch b;
    b.put("a", "k", "v");
    store->commit(b);
  }
  const fs::path aside = StateStore::move_aside(dir_.string() + "/");  // a trailing slash names the same directory
  EXPECT_FALSE(fs::exists(dir_));
  EXPECT_EQ(aside.parent_path(), dir_.parent_path());
  EXPECT_THAT(aside.filename().string(), ::testing::StartsWith(dir_.filename().string() + ".corrupt-"));
  EXPECT_EQ(StateStore::open(aside)->get("a", "k"), "v");

  StateStore::open(dir_).reset();  // a second one in the same second gets its own name
  const fs::path second = StateStore::move_aside(dir_);
  EXPECT_NE(second, aside);
  EXPECT_TRUE(fs::exists(aside));
  EXPECT_TRUE(fs::exists(second));
  EXPECT_THROW(StateStore::move_aside(dir_), StateStoreError);  // nothing left to move
}

TEST_F(StateStoreTest, WipeRemovesAStoreAndNothingElse) {
  EXPECT_EQ(StateStore::wipe(dir_), 0u);  // absent: nothing to do
  {
    auto store = StateStore::open(dir_);
    StateBatch b;
    b.put("a", "k", "v");
    store->commit(b);
  }
  const auto entries = static_cast<std::uintmax_t>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
  EXPECT_EQ(StateStore::wipe(dir_), entries + 1);  // its files and the directory itself
  EXPECT_FALSE(fs::exists(dir_));
  EXPECT_EQ(StateStore::open(dir_)->get("a", "k"), std::nullopt);  // starts empty

  std::ofstream(dir_ / "notes.txt") << "a mistyped state.dir";
  try {
    StateStore::wipe(dir_);
    FAIL() << "wiped a directory holding something else";
  } catch (const StateStoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr("notes.txt"));
  }
  EXPECT_TRUE(fs::exists(dir_ / "notes.txt"));
  EXPECT_TRUE(fs::exists(dir_ / "CURRENT"));
}

TEST_F(StateStoreTest, UncreatableDirectoryNamesIt) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  try {
    StateStore::open(dir_ / "file" / "state");
    FAIL() << "opened a store under a regular file";
  } catch (const StateStoreError& e) {
    EXPECT_THAT(e.what(), HasSubstr((dir_ / "file" / "state").string()));
  }
}

}  // namespace
}  // namespace atomd
