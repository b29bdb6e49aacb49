#include "daemon/state_restore.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace atomd {
namespace {
constexpr std::string_view kPositionNamespaces[] = {kReplayNamespace, kCursorsNamespace, kOffsetsNamespace,
                                                    kOutboxNamespace};
}  // namespace

std::string replay_key(const std::string& path) {
  std::error_code ec;
  auto absolute = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : absolute.string();
}

StateRestore::StateRestore(ComponentContext& context)
    : context_(context), dir_(context.config().state.dir), topology_(context.find<StreamTopology>().topology()) {
  if (context.cli().reset_state) {
    auto removed = StateStore::wipe(dir_);
    spdlog::info("--reset-state: wiped {} ({} entries)", dir_, removed);
  }
  stores_ = topology_.stage1_stores();
  for (auto* op : topology_.stage2_stores()) stores_.push_back(op);
  open();
}

void StateRestore::rebuild(const std::string& why) {
  // Never a crash loop: the unreadable store is kept for inspection, and the state is
  // rebuilt from the sources (the replay file from its start, the pollers' next polls).
  checkpointer_.reset();
  store_.reset();
  auto aside = StateStore::move_aside(dir_);
  spdlog::error("state store {} is corrupt or unreadable ({}); moved it aside to {} and rebuilding the state from "
                "scratch",
                dir_, why, aside.string());
  store_ = StateStore::open(dir_);
  checkpointer_ = std::make_unique<Checkpointer>(*store_, stores_);
  topology_.with_stage2_exclusive([&] {
    for (auto* op : stores_) op->clear_state();
  });
  positions_.clear();
  offsets_.clear();
  stage2_offset_ = -1;
  outbox_.clear();
  last_checkpoint_.reset();
}

void StateRestore::open() {
  try {
    store_ = StateStore::open(dir_);
  } catch (const StateStoreCorrupt& e) {
    rebuild(e.what());
  }
  // StateFormatRefused (another build's store: refuse rather than guess) and any other
  // StateStoreError (held by another process, permissions, I/O) stop the daemon with the
  // message: moving aside a store that is merely in use would lose it.
  if (!checkpointer_) checkpointer_ = std::make_unique<Checkpointer>(*store_, stores_);
  try {
    restore();
  } catch (const StateStoreCorrupt& e) {
    rebuild(e.what());
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const StateStoreError*>(&e)) throw;
    rebuild(e.what());  // an operator could not decode its stored state
  }
}

void StateRestore::restore() {
  auto last = checkpointer_->last_checkpoint();
  if (!last) {
    spdlog::info("state store {}: no checkpoint yet; starting from empty state", dir_);
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  std::map<std::string, std::size_t> keys_per_store;
  topology_.with_stage2_exclusive([&] { keys_per_store = checkpointer_->restore(); });
  positions_ = checkpointer_->positions(kPositionNamespaces);
  std::size_t keys = 0;
  std::string detail;
  for (const auto& [op, n] : keys_per_store) {
    keys += n;
    detail += (detail.empty() ? "" : ", ") + op + " " + std::to_string(n);
  }
  if (!context_.config().kafka.brokers.empty()) {
    // The cluster kept the topics: each assigned partition resumes after its stored offset.
    const auto internal = context_.topics().full(kTopicInternalContributions);
    for (const auto& [name, offset] : positions_[std::string(kOffsetsNamespace)]) {
      auto tp = TopicPartition::parse(name);
      if (!tp) throw StateStoreCorrupt(dir_ + ": stored offset key '" + name + "' is not topic/partition");
      if (tp->topic == internal) {
        stage2_offset_ = std::stoll(offset);
      } else {
        offsets_[*tp] = std::stoll(offset);
      }
    }
  }
  // With the embedded broker the topics died with the last process: stored offsets mean
  // nothing now, and each source resumes from a point at or before what was processed.
  for (const auto& [id, value] : positions_[std::string(kOutboxNamespace)]) {
    auto event = decode_event(value);
    if (!event) throw StateStoreCorrupt(dir_ + ": outbox event " + id + " does not decode");
    outbox_.push_back(event.value());
  }
  last_checkpoint_ = *last;
  std::string resume;
  if (const auto& replay = context_.cli().replay_path)
    resume = "; the replay resumes at line " + std::to_string(replay_resume_line(*replay));
  spdlog::info("restored state from {} (checkpoint of {}) in {:.2f}s: {} keys ({}){}", dir_, format_rfc3339(*last),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), keys, detail,
               resume);
}

std::int64_t StateRestore::replay_resume_line(const std::string& path) const {
  const auto& lines = restored(kReplayNamespace);
  auto it = lines.find(replay_key(path));
  return it == lines.end() ? 1 : std::stoll(it->second);
}

const std::map<std::string, std::string>& StateRestore::restored(std::string_view ns) const {
  static const std::map<std::string, std::string> kNone;
  auto it = positions_.find(std::string(ns));
  return it == positions_.end() ? kNone : it->second;
}

}  // namespace atomd
