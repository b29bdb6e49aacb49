#pragma once
// A compact, durable set of Hugging Face repo ids: the derivative dedupe state, sized for all
// of the Hub (DESIGN §4 "Derivatives": plan for 5 million ids in bounded, measured memory).
//
// It keeps a 64-bit hash of each id (ASCII-case-folded, as the Hub compares ids), not the id:
// the top 16 bits pick one of 65,536 buckets, and each bucket is a sorted array of the other
// 48 bits, 6 bytes per id (plus an optional 4-byte tag). Measured cost: bench/RESULTS.md.
// Two distinct ids collide with probability 2^-64; among n ids some pair collides with
// probability about n^2 / 2^65 (7e-7 at 5 million), and a collision makes one id look seen.
// The hash is fixed by this file (not std::hash), so saved state stays valid across builds.
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace atomd {

class RepoIdSet {
 public:
  static constexpr int kBucketBits = 16;
  static constexpr std::size_t kBuckets = std::size_t{1} << kBucketBits;
  static constexpr std::size_t kChunks = 256;  // units of save/restore: kBuckets / kChunks buckets each

  // tag_bytes 0 (a plain set) or 4 (each id carries a 32-bit tag, e.g. a fingerprint).
  explicit RepoIdSet(std::size_t tag_bytes = 0);

  // Stable across builds and platforms; ASCII letters are folded to lower case.
  static std::uint64_t hash(std::string_view repo_id);

  bool contains(std::string_view repo_id) const { return contains_hash(hash(repo_id)); }
  bool insert(std::string_view repo_id) { return insert_hash(hash(repo_id)); }  // true when new
  std::optional<std::uint32_t> tag(std::string_view repo_id) const { return tag_of_hash(hash(repo_id)); }
  // Inserts the id with `tag`, or replaces its tag; true when the id was absent or its tag differed.
  bool assign_tag(std::string_view repo_id, std::uint32_t tag) { return assign_tag_hash(hash(repo_id), tag); }

  bool contains_hash(std::uint64_t h) const;
  bool insert_hash(std::uint64_t h);
  std::optional<std::uint32_t> tag_of_hash(std::uint64_t h) const;
  bool assign_tag_hash(std::uint64_t h, std::uint32_t tag);

  std::size_t size() const { return size_; }
  // Bytes held: bucket headers plus every bucket's allocated capacity (not malloc's own overhead).
  std::size_t allocated_bytes() const;
  void clear();

  using Sink = std::function<void(std::string_view key, std::string_view value)>;
  // One value per non-empty chunk, under key "<prefix>/<chunk as two hex digits>".
  void save(std::string_view prefix, const Sink& sink) const;
  // Only the chunks changed since construction, the last restore or the last save_changed, so
  // a store can write the set incrementally (a chunk at 5 million ids is about 120 KB).
  void save_changed(std::string_view prefix, const Sink& sink);
  // Restores one chunk written by save; `chunk` is the key's part after "<prefix>/".
  // Throws std::runtime_error on a malformed value.
  void restore(std::string_view chunk, std::string_view value);

 private:
  using Bucket = std::vector<std::uint8_t>;  // sorted entries: 48-bit remainder, then the tag

  std::size_t entry_bytes() const { return 6 + tag_bytes_; }
  // Offset of the first entry whose remainder is >= `remainder`.
  std::size_t lower_bound(const Bucket& b, std::uint64_t remainder) const;
  // Inserts at `offset`; grows the bucket in small steps so slack stays bounded.
  void insert_at(std::size_t bucket, std::size_t offset, std::uint64_t remainder, std::uint32_t tag);
  void encode_chunk(std::size_t chunk, const Sink& sink, std::string_view prefix) const;

  std::size_t tag_bytes_;
  std::vector<Bucket> buckets_;
  std::vector<bool> dirty_;  // per chunk
  std::size_t size_ = 0;
};

}  // namespace atomd
