#pragma once
// What stage 1 sends to stage 2 (DESIGN §1): one input record's contribution, tagged with the
// input partition it came from and its event time, so stage 2 advances its watermark from
// the same sources as stage 1. Carried on atom.internal.contributions.v1 (keyed by
// stage_record_key) or handed over in process.
#include <string>
#include <string_view>
#include <variant>

#include "core/records.hpp"
#include "core/time.hpp"
#include "operators/derivatives.hpp"
#include "operators/downloads.hpp"

namespace atomd {

struct StageRecord {
  std::string source;     // the input partition, "topic/partition" (a watermark source)
  TimeMs event_time = 0;  // the input record's event time
  // monostate: the record contributed nothing (late, below threshold, ...) but its event
  // time still moves the watermark.
  std::variant<std::monostate, DownloadContribution, DerivativeContribution, OpenRouterTokens> payload;
  bool operator==(const StageRecord&) const = default;
};

// Compact binary (state_codec.hpp), first byte the format version (1); doubles bit for bit.
std::string encode_stage_record(const StageRecord& r);
// Throws std::runtime_error naming the problem on a truncated value, an unknown version or
// payload tag, or trailing bytes.
StageRecord decode_stage_record(std::string_view bytes);
// The message key: the repo id (downloads, derivatives), slug@date (tokens), else the source.
std::string stage_record_key(const StageRecord& r);

}  // namespace atomd
