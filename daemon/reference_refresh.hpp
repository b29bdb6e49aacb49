#pragma once
// The reference data (DESIGN §3): loaded before anything else (a bad file stops start-up),
// then reloaded every reference.refresh; a failed reload keeps the last good data.
#include <thread>

#include "daemon/component.hpp"
#include "daemon/reference_holder.hpp"

namespace atomd {

class ReferenceRefresh final : public Component {
 public:
  explicit ReferenceRefresh(ComponentContext& context);
  std::string_view name() const override { return "reference"; }
  void start() override;
  void stop() override;

  ReferenceHolder& holder() { return holder_; }

 private:
  void load_or_throw();

  const Config::Reference& config_;
  StopRequest& stop_;
  ReferenceHolder holder_;
  std::thread thread_;
};

}  // namespace atomd
