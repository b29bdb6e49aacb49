#include "operators/state_diff.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace atomd {
namespace {

namespace fs = std::filesystem;
using Contents = std::map<std::string, std::string>;

// The smallest StatefulOperator: its state is a map, one key per entry.
class FakeOperator final : public StatefulOperator {
 public:
  Contents state;
  std::string_view name() const override { return "fake"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override {
    for (const auto& [k, v] : state) sink(k, v);
  }
  void restore_state(std::string_view key, std::string_view value) override {
    if (value == "bad") throw std::runtime_error(std::string(key) + ": bad state value");
    state.insert_or_assign(std::string(key), std::string(value));
  }
  void clear_state() override { state.clear(); }
};

struct Observed {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const Observed&) const = default;
};

class StateDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(ATOMD_BINARY_DIR) / "test-tmp" / "state_diff" / info->name();
    fs::remove_all(dir_);
    store_ = StateStore::open(dir_);
    diff_.set_change_observer([this](std::string_view k, std::optional<std::string_view> v) {
      observed_.push_back({std::string(k), v ? std::optional<std::string>(*v) : std::nullopt});
    });
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  // One checkpoint the way the daemon does it; returns the changes it wrote.
  std::size_t checkpoint() {
    StateBatch batch;
    const std::size_t changes = diff_.add_changes(op_, batch);
    EXPECT_EQ(batch.operations(), changes);
    store_->commit(batch);
    diff_.mark_committed();
    return changes;
  }
  Contents stored() const {
    Contents out;
    store_->for_each("fake", [&](std::string_view k, std::string_view v) { out.emplace(k, v); });
    return out;
  }
  std::vector<Observed> take_observed() { return std::exchange(observed_, {}); }

  fs::path dir_;
  std::unique_ptr<StateStore> store_;
  FakeOperator op_;
  StateDiff diff_{"fake"};
  std::vector<Observed> observed_;
};

TEST_F(StateDiffTest, WritesOnlyWhatChangedAndErasesWhatIsGone) {
  EXPECT_EQ(diff_.ns(), "fake");
  op_.state = {{"a", "1"}, {"b", "2"}, {"c", std::string(100, 'c')}};
  EXPECT_EQ(checkpoint(), 3u);  // first: everything
  EXPECT_EQ(stored(), op_.state);
  EXPECT_EQ(diff_.keys(), 3u);
  EXPECT_EQ(take_observed(), (std::vector<Observed>{{"a", "1"}, {"b", "2"}, {"c", std::string(100, 'c')}}));

  EXPECT_EQ(checkpoint(), 0u);  // unchanged
  EXPECT_TRUE(take_observed().empty());

  op_.state["c"][50] = 'x';  // one byte of a long value
  EXPECT_EQ(checkpoint(), 1u);
  EXPECT_EQ(stored(), op_.state);
  EXPECT_EQ(take_observed(), (std::vector<Observed>{{"c", op_.state["c"]}}));

  op_.state.erase("a");
  op_.state["d"] = "4";
  EXPECT_EQ(checkpoint(), 2u);  // one erase, one put
  EXPECT_EQ(stored(), op_.state);
  EXPECT_EQ(diff_.keys(), 3u);
  auto seen = take_observed();
  std::sort(seen.begin(), seen.end(), [](const Observed& x, const Observed& y) { return x.key < y.key; });
  EXPECT_EQ(seen, (std::vector<Observed>{{"a", std::nullopt}, {"d", "4"}}));

  op_.state.clear();
  EXPECT_EQ(checkpoint(), 3u);
  EXPECT_TRUE(stored().empty());
  EXPECT_EQ(diff_.keys(), 0u);
}

TEST_F(StateDiffTest, WithoutMarkCommittedTheSameChangesComeAgain) {
  op_.state = {{"a", "1"}, {"b", "2"}};
  checkpoint();
  op_.state["a"] = "10";
  op_.state.erase("b");
  for (int attempt = 0; attempt < 2; ++attempt) {  // e.g. the commit failed: nothing recorded
    StateBatch lost;
    EXPECT_EQ(diff_.add_changes(op_, lost), 2u) << "attempt " << attempt;
    EXPECT_EQ(lost.operations(), 2u);
  }
  EXPECT_EQ(diff_.keys(), 2u);  // the records still hold a and b
  EXPECT_EQ(checkpoint(), 2u);
  EXPECT_EQ(stored(), (Contents{{"a", "10"}}));
  EXPECT_EQ(checkpoint(), 0u);
}

TEST_F(StateDiffTest, RestoreMakesTheRestoredKeysClean) {
  op_.state = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  checkpoint();

  FakeOperator fresh;
  fresh.state = {{"stale", "x"}};  // cleared by the restore
  StateDiff fresh_diff("fake");
  EXPECT_EQ(restore_operator(*store_, fresh, fresh_diff), 3u);
  EXPECT_EQ(fresh.state, op_.state);
  EXPECT_EQ(fresh_diff.keys(), 3u);
  StateBatch batch;
  EXPECT_EQ(fresh_diff.add_changes(fresh, batch), 0u);
  EXPECT_TRUE(batch.empty());

  fresh.state["b"] = "20";
  EXPECT_EQ(fresh_diff.add_changes(fresh, batch), 1u);

  StateDiff noted("fake");  // note_restored alone, without a store
  noted.note_restored("a", "1");
  noted.note_restored("b", "2");
  StateBatch only_c;
  EXPECT_EQ(noted.add_changes(op_, only_c), 1u);  // c was never noted

  noted.reset();
  EXPECT_EQ(noted.keys(), 0u);
  StateBatch all;
  EXPECT_EQ(noted.add_changes(op_, all), 3u);
}

TEST_F(StateDiffTest, RestoreLetsABadValuePropagate) {
  StateBatch b;
  b.put("fake", "k", "bad");
  store_->commit(b);
  FakeOperator fresh;
  StateDiff fresh_diff("fake");
  EXPECT_THROW(restore_operator(*store_, fresh, fresh_diff), std::runtime_error);
  StateDiff other("other");  // a namespace never written: nothing restored
  EXPECT_EQ(restore_operator(*store_, fresh, other), 0u);
}

TEST_F(StateDiffTest, ReportedChangesArePutAndKeptUntilCommitted) {
  Contents changed = {{"ids/00", "A"}, {"ids/01", "B"}};
  auto report = [&](const StateDiff::Sink& sink) {
    for (const auto& [k, v] : std::exchange(changed, {})) sink(k, v);  // the operator forgets once reported
  };
  {
    StateBatch failed;  // this commit never happens
    EXPECT_EQ(diff_.add_reported_changes(report, failed), 2u);
    EXPECT_EQ(take_observed(), (std::vector<Observed>{{"ids/00", "A"}, {"ids/01", "B"}}));
  }
  changed = {{"ids/01", "B2"}, {"ids/02", "C"}};
  StateBatch batch;
  EXPECT_EQ(diff_.add_reported_changes(report, batch), 3u);  // 01 and 02 reported, 00 still pending
  store_->commit(batch);
  diff_.mark_committed();
  EXPECT_EQ(stored(), (Contents{{"ids/00", "A"}, {"ids/01", "B2"}, {"ids/02", "C"}}));
  auto seen = take_observed();
  std::sort(seen.begin(), seen.end(), [](const Observed& x, const Observed& y) { return x.key < y.key; });
  EXPECT_EQ(seen, (std::vector<Observed>{{"ids/00", "A"}, {"ids/01", "B2"}, {"ids/02", "C"}}));
  EXPECT_EQ(diff_.keys(), 3u);

  StateBatch nothing;
  EXPECT_EQ(diff_.add_reported_changes(report, nothing), 0u);  // committed: nothing pending
  EXPECT_TRUE(nothing.empty());
  changed = {{"ids/00", "A"}};  // reported even when equal: the operator decides
  StateBatch one;
  EXPECT_EQ(diff_.add_reported_changes(report, one), 1u);
}

}  // namespace
}  // namespace atomd
