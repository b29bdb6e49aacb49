#pragma once
// The current reference data, swapped whole on reload; readers keep the snapshot they took.
#include <memory>
#include <mutex>

#include "core/reference.hpp"

namespace atomd {

class ReferenceHolder {
 public:
  std::shared_ptr<const ReferenceData> get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void set(std::shared_ptr<const ReferenceData> next) {
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const ReferenceData> current_ = std::make_shared<ReferenceData>();
};

}  // namespace atomd
