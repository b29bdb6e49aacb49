#include "operators/state_diff.hpp"

#include <bit>
#include <cstring>
#include <set>

namespace atomd {

namespace {

// XXH64 (seed 0), written out here: 8 bytes a step, so hashing a checkpoint's full state costs
// a fraction of serialising it. Native byte order: the hashes are never stored.
constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t kP5 = 0x27D4EB2F165667C5ULL;

std::uint64_t read64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
std::uint32_t read32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::uint64_t round64(std::uint64_t acc, std::uint64_t input) { return std::rotl(acc + input * kP2, 31) * kP1; }
std::uint64_t merge64(std::uint64_t acc, std::uint64_t v) { return (acc ^ round64(0, v)) * kP1 + kP4; }

std::uint64_t value_hash(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* const end = p + s.size();
  std::uint64_t h;
  if (s.size() >= 32) {
    std::uint64_t v1 = kP1 + kP2, v2 = kP2, v3 = 0, v4 = 0 - kP1;
    for (; end - p >= 32; p += 32) {
      v1 = round64(v1, read64(p));
      v2 = round64(v2, read64(p + 8));
      v3 = round64(v3, read64(p + 16));
      v4 = round64(v4, read64(p + 24));
    }
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
    h = merge64(merge64(merge64(merge64(h, v1), v2), v3), v4);
  } else {
    h = kP5;
  }
  h += s.size();
  for (; end - p >= 8; p += 8) h = std::rotl(h ^ round64(0, read64(p)), 27) * kP1 + kP4;
  if (end - p >= 4) {
    h = std::rotl(h ^ (static_cast<std::uint64_t>(read32(p)) * kP1), 23) * kP2 + kP3;
    p += 4;
  }
  for (; p < end; ++p) h = std::rotl(h ^ (*p * kP5), 11) * kP1;
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

}  // namespace

void StateDiff::put(std::string_view key, std::string_view value, std::uint64_t hash, StateBatch& batch) {
  batch.put(ns_, key, value);
  pending_.push_back({std::string(key), hash});
  if (observer_) observer_(key, value);
}

std::size_t StateDiff::add_changes(const StatefulOperator& op, StateBatch& batch) {
  pending_.clear();
  unacknowledged_.clear();  // a full diff against the records covers any uncommitted report
  const std::uint64_t pass = ++pass_;
  op.save_state([&](std::string_view key, std::string_view value) {
    const std::uint64_t h = value_hash(value);
    if (auto it = written_.find(key); it != written_.end()) {
      it->second.visited = pass;
      if (it->second.hash == h) return;
    }
    put(key, value, h, batch);
  });
  for (const auto& [key, record] : written_) {
    if (record.visited == pass) continue;
    batch.erase(ns_, key);
    pending_.push_back({key, std::nullopt});
    if (observer_) observer_(key, std::nullopt);
  }
  return pending_.size();
}

std::size_t StateDiff::add_reported_changes(const std::function<void(const Sink&)>& save_changed, StateBatch& batch) {
  pending_.clear();
  std::set<std::string, std::less<>> reported;
  save_changed([&](std::string_view key, std::string_view value) {
    put(key, value, value_hash(value), batch);
    reported.emplace(key);
    unacknowledged_.insert_or_assign(std::string(key), std::string(value));
  });
  // Reported before, but that batch never committed: the operator will not report it again.
  for (const auto& [key, value] : unacknowledged_)
    if (!reported.contains(key)) put(key, value, value_hash(value), batch);
  return pending_.size();
}

void StateDiff::mark_committed() {
  for (auto& change : pending_) {
    if (change.hash)
      written_.insert_or_assign(std::move(change.key), Record{*change.hash, pass_});
    else
      written_.erase(change.key);
  }
  pending_.clear();
  unacknowledged_.clear();
}

void StateDiff::note_restored(std::string_view key, std::string_view value) {
  written_.insert_or_assign(std::string(key), Record{value_hash(value), pass_});
}

void StateDiff::reset() {
  written_.clear();
  pending_.clear();
  unacknowledged_.clear();
}

std::size_t restore_operator(const StateStore& store, StatefulOperator& op, StateDiff& diff) {
  op.clear_state();
  diff.reset();
  std::size_t restored = 0;
  store.for_each(diff.ns(), [&](std::string_view key, std::string_view value) {
    op.restore_state(key, value);
    diff.note_restored(key, value);
    ++restored;
  });
  return restored;
}

}  // namespace atomd
