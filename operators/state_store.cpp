#include "operators/state_store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <system_error>

namespace atomd {

namespace fs = std::filesystem;

void StateBatch::put(std::string_view ns, std::string_view key, std::string_view value) {
  ops_.push_back({Kind::put, std::string(ns), std::string(key), std::string(value)});
  bytes_ += key.size() + value.size();
}

void StateBatch::erase(std::string_view ns, std::string_view key) {
  ops_.push_back({Kind::erase, std::string(ns), std::string(key), {}});
}

void StateBatch::clear_namespace(std::string_view ns) { ops_.push_back({Kind::clear, std::string(ns), {}, {}}); }

namespace {

constexpr std::string_view kFormatKey = "format";
constexpr std::string_view kCheckpointKey = "checkpoint";

rocksdb::Slice slice(std::string_view s) { return {s.data(), s.size()}; }
std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

std::string where(const fs::path& dir) { return "state store " + dir.string(); }

[[noreturn]] void fail(const fs::path& dir, std::string_view what, const rocksdb::Status& s) {
  std::string message = where(dir) + ": " + std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) throw StateStoreCorrupt(message + " (corrupt; run with --reset-state to rebuild it)");
  throw StateStoreError(message);
}

// Memory is kept small: the daemon runs in 256 MiB pods, and a checkpoint is written once
// every few seconds, so large memtables and caches buy nothing.
rocksdb::ColumnFamilyOptions column_family_options(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = 4 << 20;
  o.max_write_buffer_number = 2;
  o.target_file_size_base = 16 << 20;
  o.max_bytes_for_level_base = 64 << 20;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = 16 << 10;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

rocksdb::DBOptions db_options() {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.paranoid_checks = true;
  // A damaged WAL record ends recovery there: the store comes back as of the last intact batch,
  // which holds the offsets and replay position of that same checkpoint, so the daemon resumes
  // consistently from an older point (DESIGN §5) instead of refusing to start.
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  o.db_write_buffer_size = 32 << 20;  // all column families' memtables together
  o.max_total_wal_size = 64 << 20;    // flush idle namespaces so old WAL files can go
  o.max_background_jobs = 2;
  o.max_open_files = 256;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  o.keep_log_file_num = 2;
  o.max_log_file_size = 1 << 20;
  return o;
}

bool is_rocksdb_file(const std::string& name) {
  auto ends = [&](std::string_view suffix) { return std::string_view(name).ends_with(suffix); };
  auto starts = [&](std::string_view prefix) { return std::string_view(name).starts_with(prefix); };
  return name == "CURRENT" || name == "IDENTITY" || name == "LOCK" || starts("LOG") || starts("MANIFEST-") ||
         starts("OPTIONS-") || ends(".log") || ends(".sst") || ends(".blob") || ends(".dbtmp") || ends(".tmp");
}

}  // namespace

struct StateStore::Impl {
  fs::path dir;
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(8 << 20);
  rocksdb::ColumnFamilyOptions cf_options = column_family_options(cache);
  std::unique_ptr<rocksdb::DB> db;
  mutable std::mutex mutex;  // guards families (commit may create one while another thread reads)
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families;

  ~Impl() {
    if (!db) return;
    for (auto& [name, handle] : families) db->DestroyColumnFamilyHandle(handle);
    db->Close();  // a failed close loses nothing: every commit's WAL was synced
  }

  rocksdb::ColumnFamilyHandle* family(std::string_view ns) const {
    std::lock_guard lock(mutex);
    auto it = families.find(ns);
    return it == families.end() ? nullptr : it->second;
  }

  rocksdb::ColumnFamilyHandle* family_or_create(std::string_view ns) {
    std::lock_guard lock(mutex);
    if (auto it = families.find(ns); it != families.end()) return it->second;
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    if (auto s = db->CreateColumnFamily(cf_options, std::string(ns), &handle); !s.ok())
      fail(dir, "create namespace " + std::string(ns), s);
    families.emplace(std::string(ns), handle);
    return handle;
  }

  std::optional<std::string> get(std::string_view ns, std::string_view key) const {
    rocksdb::ColumnFamilyHandle* cf = family(ns);
    if (!cf) return std::nullopt;
    rocksdb::ReadOptions ro;
    ro.verify_checksums = true;
    std::string value;
    auto s = db->Get(ro, cf, slice(key), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) fail(dir, "read " + std::string(ns) + "/" + std::string(key), s);
    return value;
  }

  bool holds_data() const {
    for (const auto& [name, cf] : families) {
      rocksdb::ReadOptions ro;
      ro.verify_checksums = true;
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
      it->SeekToFirst();
      if (!it->status().ok()) fail(dir, "read namespace " + name, it->status());
      if (it->Valid()) return true;
    }
    return false;
  }

  void check_format();
};

namespace {

// Without CURRENT, RocksDB would create a fresh database over whatever files are left and
// later delete them as obsolete; a directory with table or WAL files but no CURRENT is a
// damaged store, not a new one.
void refuse_orphaned_files(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "CURRENT", ec)) return;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".sst") || name.ends_with(".log") || name.ends_with(".blob"))
      throw StateStoreCorrupt(where(dir) + ": has data files (" + name +
                              ") but no CURRENT file (corrupt; run with --reset-state to rebuild it)");
  }
}

}  // namespace

// The one place that decides whether this build can use a store's contents. Format 1 is the
// first released format, so nothing is migrated yet. When format N+1 ships, a store at N is
// migrated here (one synced batch that rewrites the affected values and "format"), before the
// daemon reads any state; older formats keep being refused.
void StateStore::Impl::check_format() {
  const std::optional<std::string> stored = get(kMetaNamespace, kFormatKey);
  if (!stored) {
    if (holds_data())
      throw StateFormatRefused(where(dir) +
                               ": holds a RocksDB with data but no atomd format key, so it was not written by atomd "
                               "(this atomd writes format " +
                               std::to_string(kStateFormatVersion) +
                               "); check state.dir, or run with --reset-state to wipe it");
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const std::string format = std::to_string(kStateFormatVersion);
    if (auto st = db->Put(wo, family_or_create(kMetaNamespace), slice(kFormatKey), slice(format)); !st.ok())
      fail(dir, "write the format version", st);
    return;
  }
  int found = 0;
  const auto [end, ec] = std::from_chars(stored->data(), stored->data() + stored->size(), found);
  if (ec != std::errc() || end != stored->data() + stored->size())
    throw StateFormatRefused(where(dir) + ": unreadable state format \"" + *stored + "\" (this atomd supports format " +
                             std::to_string(kStateFormatVersion) + "); run with --reset-state to wipe it and rebuild");
  if (found == kStateFormatVersion) return;
  throw StateFormatRefused(where(dir) + ": written in state format " + std::to_string(found) +
                           ", this atomd supports format " + std::to_string(kStateFormatVersion) +
                           (found > kStateFormatVersion ? " (the store is from a newer atomd)" : "") +
                           "; run with --reset-state to wipe it and rebuild from the sources");
}

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StateStore::~StateStore() = default;

std::unique_ptr<StateStore> StateStore::open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StateStoreError(where(dir) + ": cannot create the directory: " + ec.message());
  refuse_orphaned_files(dir);

  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  const rocksdb::DBOptions options = db_options();
  std::vector<std::string> names;
  if (fs::exists(dir / "CURRENT", ec)) {
    if (auto s = rocksdb::DB::ListColumnFamilies(options, dir.string(), &names); !s.ok()) {
      // CURRENT names a manifest that is missing: files of the store are gone.
      if (s.IsPathNotFound() || s.IsNotFound())
        throw StateStoreCorrupt(where(dir) + ": list namespaces: " + s.ToString() +
                                " (corrupt; run with --reset-state to rebuild it)");
      fail(dir, "list namespaces", s);
    }
  }
  if (std::find(names.begin(), names.end(), rocksdb::kDefaultColumnFamilyName) == names.end())
    names.push_back(rocksdb::kDefaultColumnFamilyName);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, impl->cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  if (auto s = rocksdb::DB::Open(options, dir.string(), descriptors, &handles, &db); !s.ok()) fail(dir, "open", s);
  impl->db.reset(db);
  for (std::size_t i = 0; i < names.size(); ++i) impl->families.emplace(names[i], handles[i]);

  impl->check_format();
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

void StateStore::commit(const StateBatch& batch) {
  Impl& s = *impl_;
  rocksdb::WriteBatch wb;
  // Clears first: a clear covers the namespace as it was before this batch.
  std::set<std::string_view> cleared;
  for (const auto& op : batch.ops_) {
    if (op.kind != StateBatch::Kind::clear || !cleared.insert(op.ns).second) continue;
    rocksdb::ColumnFamilyHandle* cf = s.family(op.ns);
    if (!cf) continue;
    rocksdb::ReadOptions ro;
    ro.verify_checksums = true;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(ro, cf));
    it->SeekToLast();
    if (!it->status().ok()) fail(s.dir, "clear namespace " + op.ns, it->status());
    if (!it->Valid()) continue;
    // [smallest possible key, last) plus last itself: the whole namespace in two records.
    const std::string last = it->key().ToString();
    rocksdb::Status st = wb.DeleteRange(cf, rocksdb::Slice(), slice(last));
    if (st.ok()) st = wb.Delete(cf, slice(last));
    if (!st.ok()) fail(s.dir, "clear namespace " + op.ns, st);
  }
  for (const auto& op : batch.ops_) {
    rocksdb::Status st;
    if (op.kind == StateBatch::Kind::put) {
      st = wb.Put(s.family_or_create(op.ns), slice(op.key), slice(op.value));
    } else if (op.kind == StateBatch::Kind::erase) {
      if (rocksdb::ColumnFamilyHandle* cf = s.family(op.ns)) st = wb.Delete(cf, slice(op.key));
    }
    if (!st.ok()) fail(s.dir, "build the write batch", st);
  }
  if (wb.Count() == 0) return;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto st = s.db->Write(wo, &wb); !st.ok()) fail(s.dir, "commit", st);
}

void StateStore::for_each(std::string_view ns,
                          const std::function<void(std::string_view key, std::string_view value)>& f) const {
  const Impl& s = *impl_;
  rocksdb::ColumnFamilyHandle* cf = s.family(ns);
  if (!cf) return;
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;  // a restore reads everything once
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(s.db->NewIterator(ro, cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) f(view(it->key()), view(it->value()));
  if (!it->status().ok()) fail(s.dir, "read namespace " + std::string(ns), it->status());
}

std::optional<std::string> StateStore::get(std::string_view ns, std::string_view key) const { return impl_->get(ns, key); }

std::vector<std::string> StateStore::namespaces() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<std::string> out;
  for (const auto& [name, cf] : impl_->families)
    if (name != rocksdb::kDefaultColumnFamilyName) out.push_back(name);
  return out;
}

bool StateStore::has_checkpoint() const { return get(kMetaNamespace, kCheckpointKey).has_value(); }

const fs::path& StateStore::dir() const { return impl_->dir; }

std::uintmax_t StateStore::wipe(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    if (ec) throw StateStoreError(where(dir) + ": cannot wipe: " + ec.message());
    return 0;
  }
  // A mistyped state.dir must never erase anything else: refuse what RocksDB does not write.
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() || !is_rocksdb_file(name))
      throw StateStoreError(where(dir) + ": refusing to wipe: " + name + " is not a state store file");
  }
  if (ec) throw StateStoreError(where(dir) + ": cannot wipe: " + ec.message());
  const std::uintmax_t removed = fs::remove_all(dir, ec);
  if (ec || removed == static_cast<std::uintmax_t>(-1)) throw StateStoreError(where(dir) + ": cannot wipe: " + ec.message());
  return removed;
}

fs::path StateStore::move_aside(const fs::path& dir) {
  fs::path from = dir.lexically_normal();
  if (!from.has_filename()) from = from.parent_path();  // "state/" names "state"
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string base = from.string() + ".corrupt-" + std::to_string(seconds);
  fs::path to = base;
  std::error_code ec;
  for (int n = 2; fs::exists(to, ec); ++n) to = base + "-" + std::to_string(n);
  fs::rename(from, to, ec);
  if (ec) throw StateStoreError(where(dir) + ": cannot move it aside to " + to.string() + ": " + ec.message());
  return to;
}

}  // namespace atomd
