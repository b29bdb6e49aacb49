#include "operators/checkpointer.hpp"

#include <chrono>

namespace atomd {

Checkpointer::Checkpointer(StateStore& store, std::vector<StatefulOperator*> operators)
    : store_(store), operators_(std::move(operators)) {
  diffs_.reserve(operators_.size());
  for (auto* op : operators_) diffs_.emplace_back(std::string(op->name()));
}

std::map<std::string, std::size_t> Checkpointer::restore() {
  std::map<std::string, std::size_t> restored;
  for (std::size_t i = 0; i < operators_.size(); ++i) {
    diffs_[i].reset();
    restored[std::string(operators_[i]->name())] = restore_operator(store_, *operators_[i], diffs_[i]);
  }
  return restored;
}

CheckpointPositions Checkpointer::positions(std::span<const std::string_view> namespaces) const {
  CheckpointPositions out;
  for (auto ns : namespaces) {
    auto& m = out[std::string(ns)];
    store_.for_each(ns, [&](std::string_view k, std::string_view v) { m.emplace(std::string(k), std::string(v)); });
  }
  return out;
}

std::optional<TimeMs> Checkpointer::last_checkpoint() const {
  auto v = store_.get(kMetaNamespace, kCheckpointKey);
  if (!v) return std::nullopt;
  try {
    return std::stoll(*v);
  } catch (const std::exception&) {
    throw StateStoreCorrupt(store_.dir().string() + ": state store meta '" + std::string(kCheckpointKey) +
                            "' is not a time: '" + *v + "'");
  }
}

CheckpointResult Checkpointer::checkpoint(const CheckpointPositions& positions, TimeMs now) {
  const auto started = std::chrono::steady_clock::now();
  StateBatch batch;
  CheckpointResult result;
  for (std::size_t i = 0; i < operators_.size(); ++i) {
    auto* op = operators_[i];
    if (op->reports_changes()) {
      result.changes += diffs_[i].add_reported_changes(
          [op](const std::function<void(std::string_view, std::string_view)>& sink) { op->save_changed_state(sink); },
          batch);
    } else {
      result.changes += diffs_[i].add_changes(*op, batch);
    }
  }
  for (const auto& [ns, values] : positions) {
    batch.clear_namespace(ns);
    for (const auto& [k, v] : values) batch.put(ns, k, v);
  }
  batch.put(kMetaNamespace, kCheckpointKey, std::to_string(now));
  result.bytes = batch.bytes();
  store_.commit(batch);
  for (auto& d : diffs_) d.mark_committed();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

void Checkpointer::set_change_observer(ChangeObserver observer) {
  for (std::size_t i = 0; i < operators_.size(); ++i) {
    std::string name(operators_[i]->name());
    diffs_[i].set_change_observer([observer, name](std::string_view key, std::optional<std::string_view> value) {
      observer(name, key, value);
    });
  }
}

}  // namespace atomd
