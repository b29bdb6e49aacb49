#pragma once
// How a connector joins the daemon, like node_exporter's collector registry: each connector's
// own file describes itself once (its name, its config section, how to build it from that
// section's settings, how its resume position is stored) and the daemon runs whatever is
// registered and enabled.
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.hpp"
#include "connectors/retry.hpp"

namespace atomd {

// One config section's values in terms any connector understands. The daemon fills it from
// its Config, which this library does not know.
struct ConnectorSettings {
  bool enabled = true;
  std::string base_url;                   // empty: the connector's default
  std::chrono::milliseconds interval{0};  // zero: the connector's default
  // The section's other keys by their last name ("relist_window"); durations as parse_duration reads them.
  std::map<std::string, std::string, std::less<>> values;
  RetryPolicy retry;
  // Secrets come only from the environment (DESIGN §2b); tests inject their own.
  std::function<const char*(const char*)> env = [](const char* name) -> const char* { return std::getenv(name); };

  std::optional<std::string_view> value(std::string_view key) const;
  std::string secret(const char* name) const;  // empty when unset
};

// What a factory made of its settings: a connector to run, or the reason it stays off.
struct ConnectorBuild {
  std::shared_ptr<Connector> connector;  // null: off
  std::string note;                      // for /api/v1/status
  // Logged once at start-up as "connector <name>: <message>": info when it runs, warn when off.
  std::string message;

  static ConnectorBuild run(std::shared_ptr<Connector> connector, std::string note, std::string message);
  static ConnectorBuild off(std::string note, std::string message = {});
  bool enabled() const { return connector != nullptr; }
};

// A connector's resume position as checkpointed text (DESIGN §5). The text lives in existing
// state stores, so its format never changes.
struct CursorCodec {
  std::function<std::optional<std::string>(const Connector&)> encode;  // nullopt: no position yet
  std::function<bool(Connector&, std::string_view)> decode;            // false: malformed, nothing restored
  explicit operator bool() const { return encode && decode; }
};

// The codec of a connector type C with `optional<Cursor> cursor() const` and
// `restore_cursor(Cursor)`, from `format(Cursor) -> string` and `parse(string_view) -> optional<Cursor>`.
template <class C, class Format, class Parse>
CursorCodec cursor_codec(Format format, Parse parse) {
  return {[format](const Connector& connector) -> std::optional<std::string> {
            auto cursor = dynamic_cast<const C&>(connector).cursor();
            if (!cursor) return std::nullopt;
            return format(*cursor);
          },
          [parse](Connector& connector, std::string_view text) {
            auto cursor = parse(text);
            if (!cursor) return false;
            dynamic_cast<C&>(connector).restore_cursor(std::move(*cursor));
            return true;
          }};
}

struct ConnectorRegistration {
  std::string name;            // the connector's name(): `connector` label, status and cursor key
  std::string config_section;  // "connectors.hf"
  // Called only when the section is enabled. Returns off() for a reason of its own (a missing
  // secret); throws on settings it cannot use.
  std::function<ConnectorBuild(const ConnectorSettings&)> factory;
  CursorCodec cursor;  // empty: the connector keeps no resume position

  // The section's `enabled` switch is the registry's, as node_exporter's --collector.<name>
  // flags are: off() with "disabled by <section>.enabled", else what the factory builds.
  ConnectorBuild build(const ConnectorSettings& settings) const;
};

class ConnectorRegistry {
 public:
  // Throws std::invalid_argument on an empty or duplicate name or section, or no factory.
  void add(ConnectorRegistration registration);
  const ConnectorRegistration* find(std::string_view name) const;
  const std::vector<ConnectorRegistration>& all() const { return registrations_; }  // in registration order

 private:
  std::vector<ConnectorRegistration> registrations_;
};

// Adds the connectors built into atomd, each from the `*_registration()` its own file defines.
// An explicit call rather than static registrars: the linker drops an object file of a static
// library that nothing references, and a registrar in it would silently never run.
void register_builtin_connectors(ConnectorRegistry& registry);
const ConnectorRegistry& builtin_connectors();  // registered on first use

}  // namespace atomd
