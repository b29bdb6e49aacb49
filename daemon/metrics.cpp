#include "daemon/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace atomd {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// HTTP polls: a fast answer is tens of milliseconds; a full Hub listing with backoff and
// rate-limit waits takes minutes (the retry cap is 5 min).
const prometheus::Histogram::BucketBoundaries kPollDurationBuckets = {0.05, 0.1, 0.25, 0.5, 1,  2.5, 5,
                                                                     10,   30,  60,   120, 300};

std::string s(std::string_view v) { return std::string(v); }

}  // namespace

Metrics::Metrics(const std::string& version)
    : registry_(std::make_shared<prometheus::Registry>()),
      up_(BuildGauge().Name("atom_up").Help("1 while atomd runs").Register(*registry_)),
      build_info_(BuildGauge().Name("atom_build_info").Help("atomd build, value 1").Register(*registry_)),
      stage2_owner_(BuildGauge()
                        .Name("atom_stage2_owner")
                        .Help("1 when this replica runs stage 2 and exposes group gauges")
                        .Register(*registry_)),
      polls_(BuildCounter()
                 .Name("atom_connector_polls_total")
                 .Help("Connector polls by outcome")
                 .Register(*registry_)),
      // A histogram, as exporters time repeated work: unlike a gauge of the last poll it keeps
      // every poll, sums across replicas, and gives averages and slow-poll quantiles over any window.
      poll_duration_(BuildHistogram()
                         .Name("atom_connector_poll_duration_seconds")
                         .Help("Duration of connector polls, failed ones included")
                         .Register(*registry_)),
      last_success_(BuildGauge()
                        .Name("atom_connector_last_success_timestamp_seconds")
                        .Help("Unix time of the connector's last successful poll")
                        .Register(*registry_)),
      rate_limited_(BuildCounter()
                        .Name("atom_connector_rate_limited_total")
                        .Help("Requests answered 429 by the source")
                        .Register(*registry_)),
      operator_records_(BuildCounter()
                            .Name("atom_operator_records_total")
                            .Help("Records processed per operator")
                            .Register(*registry_)),
      consumer_lag_(BuildGauge()
                        .Name("atom_consumer_lag_records")
                        .Help("Records behind the high watermark per input partition")
                        .Register(*registry_)),
      rejected_(BuildCounter()
                    .Name("atom_records_rejected_total")
                    .Help("Records that failed validation and were skipped")
                    .Register(*registry_)),
      late_(BuildCounter()
                .Name("atom_records_late_total")
                .Help("Records not newer than the state they would update (ignored)")
                .Register(*registry_)),
      anomalous_(BuildCounter()
                     .Name("atom_observations_anomalous_total")
                     .Help("Observations treated as anomalies (e.g. decreasing all-time downloads)")
                     .Register(*registry_)),
      lost_(BuildCounter()
                .Name("atom_records_lost_total")
                .Help("Records the embedded broker dropped before they were read (offset gaps)")
                .Register(*registry_)),
      checkpoint_duration_(BuildGauge()
                               .Name("atom_checkpoint_duration_seconds")
                               .Help("Duration of the last state checkpoint")
                               .Register(*registry_)),
      checkpoint_last_(BuildGauge()
                           .Name("atom_checkpoint_last_timestamp_seconds")
                           .Help("Unix time of the last state checkpoint")
                           .Register(*registry_)) {
  up_.Add({}).Set(1);
  build_info_.Add({{"version", version}}).Set(1);
  stage2_owner_.Add({}).Set(1);
  for (const char* reason : {"decrease"}) anomalous_.Add({{"reason", reason}});
}

void Metrics::poll(std::string_view connector, std::string_view outcome) {
  polls_.Add({{"connector", s(connector)}, {"outcome", s(outcome)}}).Increment();
}
void Metrics::poll_duration(std::string_view connector, double seconds) {
  poll_duration_.Add({{"connector", s(connector)}}, kPollDurationBuckets).Observe(seconds);
}
void Metrics::connector_success(std::string_view connector, double unix_seconds) {
  last_success_.Add({{"connector", s(connector)}}).Set(unix_seconds);
}
void Metrics::rate_limited(std::string_view connector) {
  rate_limited_.Add({{"connector", s(connector)}}).Increment();
}
void Metrics::operator_records(std::string_view op, double n) {
  operator_records_.Add({{"operator", s(op)}}).Increment(n);
}
void Metrics::consumer_lag(const std::string& topic, const std::string& partition, double records) {
  consumer_lag_.Add({{"topic", topic}, {"partition", partition}}).Set(records);
}
void Metrics::rejected(std::string_view topic, std::string_view reason) {
  rejected_.Add({{"topic", s(topic)}, {"reason", s(reason)}}).Increment();
}
double Metrics::rejected_count(std::string_view topic, std::string_view reason) {
  return rejected_.Add({{"topic", s(topic)}, {"reason", s(reason)}}).Value();
}
void Metrics::late(std::string_view topic) { late_.Add({{"topic", s(topic)}}).Increment(); }
void Metrics::anomalous(std::string_view reason) { anomalous_.Add({{"reason", s(reason)}}).Increment(); }
void Metrics::records_lost(std::string_view topic, double n) { lost_.Add({{"topic", s(topic)}}).Increment(n); }
void Metrics::checkpoint(double duration_seconds, double unix_seconds) {
  checkpoint_duration_.Add({}).Set(duration_seconds);
  checkpoint_last_.Add({}).Set(unix_seconds);
}
void Metrics::set_stage2_owner(bool owner) { stage2_owner_.Add({}).Set(owner ? 1 : 0); }
void Metrics::set_up(bool up) { up_.Add({}).Set(up ? 1 : 0); }

std::string serialize_metrics(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace atomd
