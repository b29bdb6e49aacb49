#pragma once
// Stage 1 (DESIGN §1): one processor per input topic. Each decodes its topic's record, runs
// the per-model operator in its state store and forwards one StageRecord to stage 2, also
// for a record that contributed nothing (its event time still moves stage 2's watermark).
#include "daemon/processor.hpp"
#include "operators/derivatives.hpp"
#include "operators/downloads.hpp"
#include "operators/stage_record.hpp"

namespace atomd {

using Stage1Processor = Processor<StreamRecord, StageRecord>;

// atom.hf.models.v1 → ModelDownloads (store "downloads"): snapshots → daily increments.
class HfModelsProcessor final : public Stage1Processor {
 public:
  void init(Context& context) override;
  void process(const StreamRecord& record) override;

 private:
  Context* context_ = nullptr;
  ModelDownloads* downloads_ = nullptr;
};

// atom.hf.derivatives.v1 → DerivativeDedupe (store "derivatives"): each repo counted once.
class HfDerivativesProcessor final : public Stage1Processor {
 public:
  void init(Context& context) override;
  void process(const StreamRecord& record) override;

 private:
  Context* context_ = nullptr;
  DerivativeDedupe* dedupe_ = nullptr;
};

// atom.openrouter.tokens.v1: validated rows go to stage 2 as they are (no per-model state).
class OpenRouterTokensProcessor final : public Stage1Processor {
 public:
  void init(Context& context) override { context_ = &context; }
  void process(const StreamRecord& record) override;

 private:
  Context* context_ = nullptr;
};

}  // namespace atomd
