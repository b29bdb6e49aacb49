// The topology without a broker: each processor driven through MockProcessorContext, and the
// whole topology fed StreamRecords in one process and scaled out (stage 1 forwarding to a
// separate stage 2 through the internal topic's encoding), with the same answers.
#include <gtest/gtest.h>

#include "daemon/stage1_processors.hpp"
#include "daemon/stage2_processor.hpp"
#include "daemon/topology.hpp"
#include "tests/operators/fixtures.hpp"
#include "tests/support/mock_processor_context.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::MockProcessorContext;

constexpr const char* kModels = "atom.hf.models.v1";

// A record owning its bytes, as a consumer would hand it over.
struct OwnedRecord {
  TopicPartition source;
  std::int64_t offset = 0;
  std::string key, value;
  StreamRecord view() const { return StreamRecord{source, offset, key, value}; }
};

OwnedRecord model_record(const std::string& repo, const char* observed, std::int64_t all_time, std::int32_t partition = 0,
                         std::int64_t offset = 0) {
  return OwnedRecord{{kModels, partition}, offset, repo,
                     encode(testing::snapshot(repo, observed, "2024-01-01T00:00:00Z", all_time, 10))};
}

std::shared_ptr<const ReferenceData> reference() {
  return std::make_shared<ReferenceData>(testing::test_reference(true));
}

std::string metrics_text(const Metrics& metrics) { return serialize_metrics(metrics.collect()); }

// A stage-1 processor initialised on a mock context that holds its one store.
template <class P, class Store>
struct Harness {
  template <class... Args>
  explicit Harness(Args&&... store_args) : store(std::forward<Args>(store_args)...) {
    context.add_store(store);
    processor.init(context);
  }
  MockProcessorContext<StageRecord> context{reference()};
  Store store;
  P processor;
};

TEST(HfModelsProcessor, ForwardsTheContributionOfEverySnapshotAndOnlyTheTimeOfALateOne) {
  Harness<HfModelsProcessor, ModelDownloads> h(DownloadsConfig{});
  auto& [context, downloads, processor] = h;
  processor.process(model_record("Qwen/Qwen2.5-7B", "2025-01-01T00:00:00Z", 1'000, 3).view());
  processor.process(model_record("Qwen/Qwen2.5-7B", "2025-01-03T00:00:00Z", 1'200, 3).view());
  processor.process(model_record("Qwen/Qwen2.5-7B", "2025-01-02T00:00:00Z", 1'100, 3).view());  // late

  ASSERT_EQ(context.forwarded().size(), 3u);
  const auto& first = context.forwarded()[0];
  EXPECT_EQ(first.source, "atom.hf.models.v1/3");
  EXPECT_EQ(first.event_time, at("2025-01-01T00:00:00Z"));
  ASSERT_TRUE(std::holds_alternative<DownloadContribution>(first.payload));
  EXPECT_TRUE(std::get<DownloadContribution>(first.payload).increments.empty());  // an older model: baseline only
  const auto& second = std::get<DownloadContribution>(context.forwarded()[1].payload);
  double total = 0;
  for (const auto& inc : second.increments) total += inc.downloads;
  EXPECT_DOUBLE_EQ(total, 200);
  EXPECT_EQ(second.increments.size(), 2u);  // Jan 1 and Jan 2
  // The late snapshot contributes nothing, but its time still reaches stage 2's watermark.
  EXPECT_TRUE(std::holds_alternative<std::monostate>(context.forwarded()[2].payload));
  EXPECT_EQ(context.stream_time(), at("2025-01-03T00:00:00Z"));
  EXPECT_NE(metrics_text(context.test_metrics()).find("atom_records_late_total{topic=\"atom.hf.models.v1\"} 1"),
            std::string::npos);
  EXPECT_TRUE(context.rejections().empty());
}

TEST(HfModelsProcessor, RejectsAMalformedRecordThroughTheContextAndForwardsNothing) {
  Harness<HfModelsProcessor, ModelDownloads> h(DownloadsConfig{});
  auto& [context, downloads, processor] = h;
  OwnedRecord bad{{kModels, 1}, 41, "x", "{not json"};
  processor.process(bad.view());
  EXPECT_TRUE(context.forwarded().empty());
  ASSERT_EQ(context.rejections().size(), 1u);
  EXPECT_EQ(context.rejections()[0].rejection.reason, RejectReason::malformed_json);
  EXPECT_EQ(context.rejections()[0].source, (TopicPartition{kModels, 1}));
  EXPECT_EQ(context.rejections()[0].offset, 41);
}

TEST(HfModelsProcessor, InitFailsWithoutItsStore) {
  MockProcessorContext<StageRecord> context(reference());
  HfModelsProcessor processor;
  EXPECT_THROW(processor.init(context), std::out_of_range);
}

TEST(HfDerivativesProcessor, CountsARepoOnceAndForwardsEverySighting) {
  Harness<HfDerivativesProcessor, DerivativeDedupe> h(DerivativesConfig{});
  auto& [context, dedupe, processor] = h;
  HfDerivative d;
  d.repo_id = "someone/qwen-ft";
  d.created_at = at("2025-02-01T00:00:00Z");
  d.observed_at = at("2025-02-02T00:00:00Z");
  d.downloads_30d = 50;
  d.relations = {DerivativeBase{Relation::finetune, "Qwen/Qwen2.5-7B"}};
  OwnedRecord record{{"atom.hf.derivatives.v1", 0}, 0, d.repo_id, encode(d)};
  processor.process(record.view());
  processor.process(record.view());  // a re-poll
  ASSERT_EQ(context.forwarded().size(), 2u);
  const auto* first = std::get_if<DerivativeContribution>(&context.forwarded()[0].payload);
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->counted);
  const auto* again = std::get_if<DerivativeContribution>(&context.forwarded()[1].payload);
  EXPECT_TRUE(again == nullptr || !again->counted);
}

TEST(OpenRouterTokensProcessor, ARowsEventTimeIsTheLastMillisecondOfItsDate) {
  MockProcessorContext<StageRecord> context(reference());
  OpenRouterTokensProcessor processor;
  processor.init(context);
  OpenRouterTokens row;
  row.date = *parse_date("2025-03-04");
  row.slug = "qwen/qwen3-8b";
  row.observed_at = at("2025-03-05T01:00:00Z");
  row.tokens = 1234;
  row.hf_id = "Qwen/Qwen3-8B";
  row.org = "Qwen";
  OwnedRecord record{{"atom.openrouter.tokens.v1", 2}, 7, tokens_key(row), encode(row)};
  processor.process(record.view());
  ASSERT_EQ(context.forwarded().size(), 1u);
  EXPECT_EQ(context.forwarded()[0].event_time, at("2025-03-05T00:00:00Z") - 1);
  EXPECT_EQ(std::get<OpenRouterTokens>(context.forwarded()[0].payload), row);
}

// Stage 2's stores, registered in a mock context.
struct Stage2Stores {
  DownloadAggregates download_aggregates;
  DerivativeAggregates derivative_aggregates{DerivativeAttribution::namespace_};
  InferenceTokens inference;
  RamOperator ram;
  OvertakeDetector overtake{OvertakeConfig{}};
  DailyEvaluation daily;
  EventLog events;
  Watermark watermark{3 * kMsPerDay, 30'000};
  void add_to(MockProcessorContext<Event>& context) {
    for (StatefulOperator* s : std::initializer_list<StatefulOperator*>{
             &download_aggregates, &derivative_aggregates, &inference, &ram, &overtake, &daily, &events, &watermark})
      context.add_store(*s);
  }
};

TEST(Stage2Processor, SchedulesTheWatermarkPunctuationOnlyWhenScaledOut) {
  for (bool scaled_out : {false, true}) {
    MockProcessorContext<Event> context(reference());
    Stage2Stores stores;
    stores.add_to(context);
    Stage2Processor processor(Stage2Options{scaled_out});
    processor.init(context);
    EXPECT_EQ(context.punctuation_count(), scaled_out ? 1u : 0u);
  }
}

TEST(Stage2Processor, ThePunctuationReleasesAWatermarkHeldByASilentPartition) {
  MockProcessorContext<Event> context(reference());
  Stage2Stores stores;
  stores.add_to(context);
  Stage2Processor processor(Stage2Options{true});
  processor.init(context);
  processor.expect_partitions({{kModels, 2}});
  StageRecord r;
  r.source = TopicPartition{kModels, 0}.to_string();
  r.event_time = at("2025-01-10T00:00:00Z");
  processor.process(r);
  // Partition 1 never delivered: within its busy time it holds W at the very beginning.
  EXPECT_EQ(stores.watermark.watermark(), kNoTime);
  context.set_processing_time(29'000);
  EXPECT_EQ(stores.watermark.watermark(), kNoTime);
  context.set_processing_time(31'000);  // the punctuation runs; partition 1's busy time is over
  EXPECT_EQ(stores.watermark.watermark(), at("2025-01-07T00:00:00Z"));
}

// Qwen grows 100 a day from 500, Llama 10 a day from 1,000: Qwen passes Llama on Jan 6.
std::vector<OwnedRecord> crossing_history() {
  std::vector<OwnedRecord> records;
  std::int64_t offset = 0;
  for (int d = 1; d <= 20; ++d) {
    const std::string observed = "2025-01-" + std::string(d < 10 ? "0" : "") + std::to_string(d) + "T12:00:00Z";
    records.push_back(model_record("Qwen/Qwen2.5-7B", observed.c_str(), 500 + 100 * d, 0, offset++));
    records.push_back(model_record("meta-llama/Llama-3.1-8B", observed.c_str(), 1'000 + 10 * d, 0, offset++));
  }
  return records;
}

struct Answers {
  std::vector<GroupValue> cumulative_by_org;
  std::vector<std::string> event_ids;
};

Answers answers(const Topology& topology, const ReferenceData& ref) {
  return topology.read([&](const TopologyView& view) {
    Answers a;
    a.cumulative_by_org = view.downloads.leaderboard(GroupBy::org, DownloadWindow::cumulative, std::nullopt, ref).rows;
    for (const auto& e : view.events.list()) a.event_ids.push_back(e.id());
    return a;
  });
}

class TopologyTest : public ::testing::Test {
 protected:
  void SetUp() override { holder_.set(reference()); }
  Config config_;
  Metrics metrics_{"test"};
  ReferenceHolder holder_;
};

TEST_F(TopologyTest, OneProcessFindsTheOvertakeAndHandsItToTheOutbox) {
  Topology topology(config_, TopicNames{}, holder_, metrics_);
  for (const auto& r : crossing_history()) topology.process(r.view());
  EXPECT_EQ(topology.processed(), 40);
  EXPECT_EQ(topology.topic_stream_time("hf.models"), at("2025-01-20T12:00:00Z"));
  const auto a = answers(topology, *holder_.get());
  ASSERT_EQ(a.cumulative_by_org.size(), 2u);
  EXPECT_EQ(a.cumulative_by_org[0].group, "Qwen");
  EXPECT_DOUBLE_EQ(a.cumulative_by_org[0].value, 2'500);
  const std::string org_overtake = "overtake|downloads_cumulative|org|Qwen|meta-llama|2025-01-06";
  EXPECT_NE(std::find(a.event_ids.begin(), a.event_ids.end(), org_overtake), a.event_ids.end());
  auto outbox = topology.take_new_events();
  ASSERT_EQ(outbox.size(), a.event_ids.size());
  EXPECT_TRUE(topology.take_new_events().empty());  // taken once
}

TEST_F(TopologyTest, ScaledOutStageOneForwardsAndAStageTwoElsewhereGivesTheSameAnswers) {
  Topology in_process(config_, TopicNames{}, holder_, metrics_);
  Topology stage1(config_, TopicNames{}, holder_, metrics_);
  Topology stage2(config_, TopicNames{}, holder_, metrics_);
  std::vector<std::string> internal_topic;  // what atom.internal.contributions.v1 would carry
  stage1.forward_stage1_to([&](const StageRecord& r) { internal_topic.push_back(encode_stage_record(r)); });
  for (const auto& r : crossing_history()) {
    in_process.process(r.view());
    stage1.process(r.view());
  }
  ASSERT_EQ(internal_topic.size(), 40u);
  for (const auto& bytes : internal_topic) stage2.apply(decode_stage_record(bytes));

  const auto& ref = *holder_.get();
  const auto expected = answers(in_process, ref);
  const auto forwarded = answers(stage2, ref);
  EXPECT_EQ(forwarded.event_ids, expected.event_ids);
  ASSERT_EQ(forwarded.cumulative_by_org.size(), expected.cumulative_by_org.size());
  for (std::size_t i = 0; i < expected.cumulative_by_org.size(); ++i) {
    EXPECT_EQ(forwarded.cumulative_by_org[i].group, expected.cumulative_by_org[i].group);
    EXPECT_EQ(forwarded.cumulative_by_org[i].value, expected.cumulative_by_org[i].value);
  }
  // The forwarding process kept no stage-2 state of its own.
  EXPECT_TRUE(answers(stage1, ref).cumulative_by_org.empty());
}

TEST_F(TopologyTest, RoutesByTopicAndIgnoresOthers) {
  Topology topology(config_, TopicNames{}, holder_, metrics_);
  OwnedRecord stray{{"atom.something.else.v1", 0}, 0, "k", "{}"};
  topology.process(stray.view());
  EXPECT_EQ(topology.processed(), 1);
  EXPECT_TRUE(answers(topology, *holder_.get()).cumulative_by_org.empty());
}

TEST_F(TopologyTest, StoresByName) {
  Topology topology(config_, TopicNames{}, holder_, metrics_);
  EXPECT_EQ(topology.store("downloads").name(), "downloads");
  EXPECT_EQ(topology.store("watermark").name(), "watermark");
  EXPECT_TRUE(topology.is_stage1_store("derivatives"));
  EXPECT_FALSE(topology.is_stage1_store("download_aggregates"));
  EXPECT_EQ(topology.find_store("nope"), nullptr);
  EXPECT_THROW(topology.store("nope"), std::out_of_range);
  EXPECT_EQ(topology.stage1_stores().size(), 2u);
  EXPECT_EQ(topology.stage2_stores().size(), 8u);
}

}  // namespace
}  // namespace atomd
