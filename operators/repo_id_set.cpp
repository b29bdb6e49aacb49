#include "operators/repo_id_set.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;
constexpr std::uint64_t kRemainderMask = (std::uint64_t{1} << 48) - 1;
constexpr std::size_t kBucketsPerChunk = RepoIdSet::kBuckets / RepoIdSet::kChunks;

// A bijective 64-bit finaliser (the SplitMix64 constants): every input bit reaches every output bit.
constexpr std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t read48(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 6; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

std::uint32_t read32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}

void write_le(std::uint8_t* p, std::uint64_t v, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::size_t bucket_of(std::uint64_t h) { return static_cast<std::size_t>(h >> (64 - RepoIdSet::kBucketBits)); }

std::string chunk_key(std::string_view prefix, std::size_t chunk) {
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02zx", chunk);
  return std::string(prefix) + "/" + hex;
}

}  // namespace

RepoIdSet::RepoIdSet(std::size_t tag_bytes) : tag_bytes_(tag_bytes), buckets_(kBuckets), dirty_(kChunks, false) {
  if (tag_bytes != 0 && tag_bytes != 4) throw std::invalid_argument("RepoIdSet: tag_bytes must be 0 or 4");
}

std::uint64_t RepoIdSet::hash(std::string_view id) {
  // Each step is a bijection of the running state for a fixed word, so two ids of one length
  // that differ in a single word never collide; the length seeds the state.
  std::uint64_t h = mix(0x6a09e667f3bcc909ULL ^ id.size());
  for (std::size_t i = 0; i < id.size(); i += 8) {
    std::uint64_t word = 0;
    for (std::size_t j = 0; j < 8 && i + j < id.size(); ++j) {
      auto c = static_cast<unsigned char>(id[i + j]);
      if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
      word |= static_cast<std::uint64_t>(c) << (8 * j);
    }
    h = mix(h ^ word);
  }
  return h;
}

std::size_t RepoIdSet::lower_bound(const Bucket& b, std::uint64_t remainder) const {
  // Remainders are uniform, so the entry sits near remainder / 2^48 of the way along: start
  // there and step (a few entries on average, within one or two cache lines).
  const std::size_t width = entry_bytes();
  const std::size_t n = b.size() / width;
  if (n == 0) return 0;
  std::size_t i = std::min(n - 1, static_cast<std::size_t>(((remainder >> 16) * n) >> 32));
  if (read48(b.data() + i * width) < remainder) {
    do ++i;
    while (i < n && read48(b.data() + i * width) < remainder);
  } else {
    while (i > 0 && read48(b.data() + (i - 1) * width) >= remainder) --i;
  }
  return i * width;
}

bool RepoIdSet::contains_hash(std::uint64_t h) const {
  const Bucket& b = buckets_[bucket_of(h)];
  const std::uint64_t r = h & kRemainderMask;
  const std::size_t at = lower_bound(b, r);
  return at < b.size() && read48(b.data() + at) == r;
}

std::optional<std::uint32_t> RepoIdSet::tag_of_hash(std::uint64_t h) const {
  const Bucket& b = buckets_[bucket_of(h)];
  const std::uint64_t r = h & kRemainderMask;
  const std::size_t at = lower_bound(b, r);
  if (at >= b.size() || read48(b.data() + at) != r) return std::nullopt;
  return tag_bytes_ == 0 ? 0 : read32(b.data() + at + 6);
}

void RepoIdSet::insert_at(std::size_t bucket, std::size_t offset, std::uint64_t remainder, std::uint32_t tag) {
  Bucket& b = buckets_[bucket];
  const std::size_t width = entry_bytes();
  if (b.size() + width > b.capacity()) {
    // Steps of max(8 entries, 1/8 of the bucket): slack stays near 8% and copies stay amortised.
    const std::size_t step = std::max(8 * width, (b.size() / 8 / width + 1) * width);
    b.reserve(b.size() + step);
  }
  b.insert(b.begin() + static_cast<std::ptrdiff_t>(offset), width, 0);
  write_le(b.data() + offset, remainder, 6);
  if (tag_bytes_ != 0) write_le(b.data() + offset + 6, tag, 4);
  dirty_[bucket / kBucketsPerChunk] = true;
  ++size_;
}

bool RepoIdSet::insert_hash(std::uint64_t h) {
  const std::size_t bucket = bucket_of(h);
  const std::uint64_t r = h & kRemainderMask;
  const Bucket& b = buckets_[bucket];
  const std::size_t at = lower_bound(b, r);
  if (at < b.size() && read48(b.data() + at) == r) return false;
  insert_at(bucket, at, r, 0);
  return true;
}

bool RepoIdSet::assign_tag_hash(std::uint64_t h, std::uint32_t tag) {
  const std::size_t bucket = bucket_of(h);
  const std::uint64_t r = h & kRemainderMask;
  Bucket& b = buckets_[bucket];
  const std::size_t at = lower_bound(b, r);
  if (at < b.size() && read48(b.data() + at) == r) {
    if (tag_bytes_ == 0 || read32(b.data() + at + 6) == tag) return false;
    write_le(b.data() + at + 6, tag, 4);
    dirty_[bucket / kBucketsPerChunk] = true;
    return true;
  }
  insert_at(bucket, at, r, tag);
  return true;
}

std::size_t RepoIdSet::allocated_bytes() const {
  std::size_t bytes = buckets_.capacity() * sizeof(Bucket) + dirty_.capacity() / 8;
  for (const Bucket& b : buckets_) bytes += b.capacity();
  return bytes;
}

void RepoIdSet::clear() {
  for (Bucket& b : buckets_) Bucket().swap(b);
  std::fill(dirty_.begin(), dirty_.end(), false);
  size_ = 0;
}

void RepoIdSet::encode_chunk(std::size_t chunk, const Sink& sink, std::string_view prefix) const {
  StateWriter w;
  w.u8(kStateVersion);
  w.u8(static_cast<std::uint8_t>(tag_bytes_));
  bool any = false;
  for (std::size_t i = chunk * kBucketsPerChunk; i < (chunk + 1) * kBucketsPerChunk; ++i) {
    const Bucket& b = buckets_[i];
    any = any || !b.empty();
    w.str(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  if (any) sink(chunk_key(prefix, chunk), w.bytes());
}

void RepoIdSet::save(std::string_view prefix, const Sink& sink) const {
  for (std::size_t chunk = 0; chunk < kChunks; ++chunk) encode_chunk(chunk, sink, prefix);
}

void RepoIdSet::save_changed(std::string_view prefix, const Sink& sink) {
  for (std::size_t chunk = 0; chunk < kChunks; ++chunk) {
    if (!dirty_[chunk]) continue;
    encode_chunk(chunk, sink, prefix);
    dirty_[chunk] = false;
  }
}

void RepoIdSet::restore(std::string_view chunk_text, std::string_view value) {
  StateReader r(value, chunk_text);
  std::size_t chunk = kChunks;
  if (chunk_text.size() == 2) {
    unsigned parsed = 0;
    if (std::sscanf(std::string(chunk_text).c_str(), "%2x", &parsed) == 1 && chunk_key("", parsed) == "/" + std::string(chunk_text))
      chunk = parsed;
  }
  if (chunk >= kChunks) r.fail("not a chunk number");
  if (r.u8() != kStateVersion) r.fail("unknown version");
  if (r.u8() != tag_bytes_) r.fail("tag width differs");
  const std::size_t width = entry_bytes();
  std::vector<Bucket> restored(kBucketsPerChunk);
  std::size_t count = 0;
  for (Bucket& b : restored) {
    const std::string bytes = r.str();
    if (bytes.size() % width != 0) r.fail("bucket not a whole number of entries");
    b.assign(bytes.begin(), bytes.end());
    for (std::size_t at = width; at < b.size(); at += width)
      if (read48(b.data() + at - width) >= read48(b.data() + at)) r.fail("bucket not strictly ascending");
    count += b.size() / width;
  }
  r.expect_end();
  for (std::size_t i = 0; i < kBucketsPerChunk; ++i) {
    Bucket& target = buckets_[chunk * kBucketsPerChunk + i];
    size_ -= target.size() / width;
    target = std::move(restored[i]);
  }
  size_ += count;
  dirty_[chunk] = false;
}

}  // namespace atomd
