#pragma once
// The durable state store under `state.dir` (DESIGN §5): one RocksDB, one column family per
// namespace, and every checkpoint one atomic, synced write batch. No RocksDB type leaks from
// here, so only state_store.cpp depends on RocksDB's headers.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace atomd {

struct StateStoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};  // cannot open, I/O
struct StateStoreCorrupt : StateStoreError {
  using StateStoreError::StateStoreError;
};  // corruption detected (open or read)
struct StateFormatRefused : StateStoreError {
  using StateStoreError::StateStoreError;
};  // written by an unknown/newer format

inline constexpr int kStateFormatVersion = 1;

// Namespace used by the store itself ("format") and by the daemon ("checkpoint", offsets, …).
inline constexpr std::string_view kMetaNamespace = "meta";

// One atomic checkpoint: puts and erases over namespaces (one RocksDB column family each).
// Clears are applied first (so a clear never removes a put of the same batch, whatever the
// call order), then puts and erases in call order.
class StateBatch {
 public:
  void put(std::string_view ns, std::string_view key, std::string_view value);
  void erase(std::string_view ns, std::string_view key);
  void clear_namespace(std::string_view ns);  // every key of ns (applied before this batch's puts into ns)
  std::size_t operations() const { return ops_.size(); }
  std::size_t bytes() const { return bytes_; }  // keys + values put
  bool empty() const { return ops_.empty(); }

 private:
  friend class StateStore;
  enum class Kind : std::uint8_t { put, erase, clear };
  struct Op {
    Kind kind;
    std::string ns;
    std::string key;
    std::string value;
  };
  std::vector<Op> ops_;
  std::size_t bytes_ = 0;
};

class StateStore {
 public:
  // Opens or creates the store at `dir` (creating directories); column families are created on
  // demand. A new store gets meta "format" = kStateFormatVersion. Throws StateStoreCorrupt on
  // corruption, StateFormatRefused for another format (or a foreign RocksDB holding data),
  // StateStoreError otherwise; every message names the directory.
  static std::unique_ptr<StateStore> open(const std::filesystem::path& dir);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Applies the batch atomically (one rocksdb::WriteBatch over all column families), WAL synced.
  void commit(const StateBatch& batch);
  // Every key/value of a namespace in key order (no-op when it does not exist), checksums verified.
  void for_each(std::string_view ns, const std::function<void(std::string_view key, std::string_view value)>& f) const;
  std::optional<std::string> get(std::string_view ns, std::string_view key) const;
  std::vector<std::string> namespaces() const;  // excluding RocksDB's "default"
  bool has_checkpoint() const;                  // meta "checkpoint" exists (the daemon writes it in each batch)
  const std::filesystem::path& dir() const;

  // Removes the whole directory; returns the entries removed (0 when it does not exist).
  static std::uintmax_t wipe(const std::filesystem::path& dir);
  // Renames a store that could not be opened to "<dir>.corrupt-<unix seconds>" so a rebuild
  // starts clean and nothing is destroyed; returns the new path.
  static std::filesystem::path move_aside(const std::filesystem::path& dir);

 private:
  struct Impl;
  explicit StateStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace atomd
