#pragma once
// Operational metrics (DESIGN §6) in a prometheus-cpp registry. Adoption gauges are built
// at scrape time from operator state (daemon/adoption_metrics.hpp) and appended.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace atomd {

class Metrics {
 public:
  explicit Metrics(const std::string& version);

  void poll(std::string_view connector, std::string_view outcome);
  void poll_duration(std::string_view connector, double seconds);
  void connector_success(std::string_view connector, double unix_seconds);
  void rate_limited(std::string_view connector);
  void operator_records(std::string_view op, double n = 1);
  void consumer_lag(const std::string& topic, const std::string& partition, double records);
  void rejected(std::string_view topic, std::string_view reason);
  void late(std::string_view topic);
  void anomalous(std::string_view reason);
  void records_lost(std::string_view topic, double n);
  void checkpoint(double duration_seconds, double unix_seconds);
  void set_stage2_owner(bool owner);
  void set_up(bool up);

  double rejected_count(std::string_view topic, std::string_view reason);
  std::vector<prometheus::MetricFamily> collect() const { return registry_->Collect(); }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& up_;
  prometheus::Family<prometheus::Gauge>& build_info_;
  prometheus::Family<prometheus::Gauge>& stage2_owner_;
  prometheus::Family<prometheus::Counter>& polls_;
  prometheus::Family<prometheus::Histogram>& poll_duration_;
  prometheus::Family<prometheus::Gauge>& last_success_;
  prometheus::Family<prometheus::Counter>& rate_limited_;
  prometheus::Family<prometheus::Counter>& operator_records_;
  prometheus::Family<prometheus::Gauge>& consumer_lag_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& late_;
  prometheus::Family<prometheus::Counter>& anomalous_;
  prometheus::Family<prometheus::Counter>& lost_;
  prometheus::Family<prometheus::Gauge>& checkpoint_duration_;
  prometheus::Family<prometheus::Gauge>& checkpoint_last_;
};

// Text exposition format 0.0.4.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";
std::string serialize_metrics(const std::vector<prometheus::MetricFamily>& families);

}  // namespace atomd
