#pragma once
// Stage 2 (DESIGN §1): applies every StageRecord to the global operators (group downloads,
// derivative shares, inference tokens, RAM), advances the watermark from the records'
// sources and, for every UTC day the watermark closes, evaluates overtakes and threshold
// crossings; new events are forwarded to the event outbox. Runs in exactly one replica.
#include <map>
#include <memory>
#include <set>
#include <string>

#include "daemon/processor.hpp"
#include "operators/daily_evaluation.hpp"
#include "operators/derivative_aggregates.hpp"
#include "operators/download_aggregates.hpp"
#include "operators/event_log.hpp"
#include "operators/inference.hpp"
#include "operators/overtake.hpp"
#include "operators/ram.hpp"
#include "operators/stage_record.hpp"
#include "operators/watermark.hpp"

namespace atomd {

struct Stage2Options {
  // Scaled out, stage 2's inputs arrive from another process: the watermark is also
  // recomputed on processing time alone (a partition whose busy time passed stops holding
  // it), every `punctuation`.
  bool punctuate_watermark = false;
  std::chrono::milliseconds punctuation{250};
};

class Stage2Processor final : public Processor<StageRecord, Event> {
 public:
  explicit Stage2Processor(Stage2Options options) : options_(options) {}
  void init(Context& context) override;
  void process(const StageRecord& record) override;

  // Stage 2 is starting in this replica: once a topic delivers its first record, each of
  // its partitions (full topic name → partition count) holds the watermark until it
  // delivers too (or stays silent for the busy time), see Watermark::expect.
  void expect_partitions(std::map<std::string, int> partitions);
  // Puts RAM's buckets in line with `reference` (after a restore or a mirror rebuild).
  void rebucket(std::shared_ptr<const ReferenceData> reference);

 private:
  void advance_watermark(TimeMs now);
  // Evaluates every UTC day the watermark has closed since the last call.
  void evaluate_closed_days(const ReferenceData& reference);

  Stage2Options options_;
  Context* context_ = nullptr;
  DownloadAggregates* download_aggregates_ = nullptr;
  DerivativeAggregates* derivative_aggregates_ = nullptr;
  InferenceTokens* inference_ = nullptr;
  RamOperator* ram_ = nullptr;
  OvertakeDetector* overtake_ = nullptr;
  DailyEvaluation* daily_ = nullptr;
  EventLog* events_ = nullptr;
  Watermark* watermark_ = nullptr;
  std::map<std::string, int> expect_partitions_;
  std::set<std::string> expected_topics_;
  std::shared_ptr<const ReferenceData> ram_reference_;  // the reference data RAM's buckets were last set from
};

}  // namespace atomd
