#include "operators/stage_record.hpp"

#include <cstdint>
#include <string>
#include <type_traits>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kFormatVersion = 1;
constexpr std::string_view kWhat = "stage record";

// Payload tags: the variant's index, fixed here so reordering the variant cannot change the format.
enum class Tag : std::uint8_t { none = 0, downloads = 1, derivative = 2, tokens = 3 };

template <class T>
void write_optional(StateWriter& w, const std::optional<T>& v) {
  w.u8(v ? 1 : 0);
  if (!v) return;
  if constexpr (std::is_same_v<T, std::string>)
    w.str(*v);
  else
    w.i64(*v);
}

bool read_flag(StateReader& r) {
  const auto b = r.u8();
  if (b > 1) r.fail("flag not 0 or 1");
  return b == 1;
}

void write(StateWriter& w, const DownloadContribution& c) {
  w.str(c.repo_id);
  w.str(c.org);
  w.i64(c.observed_at);
  w.i64(c.created_at);
  w.i64(c.release_at);
  w.i64(c.downloads_all_time);
  w.i64(c.downloads_30d);
  write_optional(w, c.params_total);
  w.u8(c.gap_filled ? 1 : 0);
  w.u64(c.increments.size());
  for (const DayIncrement& inc : c.increments) {
    w.i32(inc.day);
    w.f64(inc.downloads);
  }
}

DownloadContribution read_downloads(StateReader& r) {
  DownloadContribution c;
  c.repo_id = r.str();
  c.org = r.str();
  c.observed_at = r.i64();
  c.created_at = r.i64();
  c.release_at = r.i64();
  c.downloads_all_time = r.i64();
  c.downloads_30d = r.i64();
  if (read_flag(r)) c.params_total = r.i64();
  c.gap_filled = read_flag(r);
  const auto n = r.count(12);
  c.increments.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    DayIncrement inc;
    inc.day = r.i32();
    inc.downloads = r.f64();
    c.increments.push_back(inc);
  }
  return c;
}

void write(StateWriter& w, const DerivativeContribution& c) {
  w.str(c.repo_id);
  w.i64(c.observed_at);
  w.i64(c.created_at);
  w.u8(c.counted ? 1 : 0);
  w.u8(c.link ? 1 : 0);
  w.u64(c.bases.size());
  for (const DerivativeBase& b : c.bases) {
    w.u8(static_cast<std::uint8_t>(b.relation));
    w.str(b.base);
  }
}

DerivativeContribution read_derivative(StateReader& r) {
  DerivativeContribution c;
  c.repo_id = r.str();
  c.observed_at = r.i64();
  c.created_at = r.i64();
  c.counted = read_flag(r);
  c.link = read_flag(r);
  const auto n = r.count(9);
  c.bases.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    DerivativeBase b;
    const auto relation = r.u8();
    if (relation > static_cast<std::uint8_t>(Relation::unspecified)) r.fail("unknown relation");
    b.relation = static_cast<Relation>(relation);
    b.base = r.str();
    c.bases.push_back(std::move(b));
  }
  return c;
}

void write(StateWriter& w, const OpenRouterTokens& t) {
  w.i32(t.date);
  w.str(t.slug);
  w.i64(t.observed_at);
  w.i64(t.tokens);
  write_optional(w, t.hf_id);
  w.str(t.org);
}

OpenRouterTokens read_tokens(StateReader& r) {
  OpenRouterTokens t;
  t.date = r.i32();
  t.slug = r.str();
  t.observed_at = r.i64();
  t.tokens = r.i64();
  if (read_flag(r)) t.hf_id = r.str();
  t.org = r.str();
  return t;
}

}  // namespace

std::string encode_stage_record(const StageRecord& record) {
  StateWriter w;
  w.u8(kFormatVersion);
  w.str(record.source);
  w.i64(record.event_time);
  std::visit(
      [&w](const auto& p) {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, std::monostate>) {
          w.u8(static_cast<std::uint8_t>(Tag::none));
        } else {
          if constexpr (std::is_same_v<P, DownloadContribution>) w.u8(static_cast<std::uint8_t>(Tag::downloads));
          if constexpr (std::is_same_v<P, DerivativeContribution>) w.u8(static_cast<std::uint8_t>(Tag::derivative));
          if constexpr (std::is_same_v<P, OpenRouterTokens>) w.u8(static_cast<std::uint8_t>(Tag::tokens));
          write(w, p);
        }
      },
      record.payload);
  return w.bytes();
}

StageRecord decode_stage_record(std::string_view bytes) {
  StateReader r(bytes, kWhat);
  if (bytes.empty()) r.fail("empty");
  if (const auto version = r.u8(); version != kFormatVersion)
    r.fail("unknown format version " + std::to_string(version));
  StageRecord record;
  record.source = r.str();
  record.event_time = r.i64();
  switch (const auto tag = r.u8(); static_cast<Tag>(tag)) {
    case Tag::none: break;
    case Tag::downloads: record.payload = read_downloads(r); break;
    case Tag::derivative: record.payload = read_derivative(r); break;
    case Tag::tokens: record.payload = read_tokens(r); break;
    default: r.fail("unknown payload tag " + std::to_string(tag));
  }
  r.expect_end();
  return record;
}

std::string stage_record_key(const StageRecord& record) {
  if (const auto* c = std::get_if<DownloadContribution>(&record.payload)) return c->repo_id;
  if (const auto* c = std::get_if<DerivativeContribution>(&record.payload)) return c->repo_id;
  if (const auto* t = std::get_if<OpenRouterTokens>(&record.payload)) return tokens_key(*t);
  return record.source;
}

}  // namespace atomd
