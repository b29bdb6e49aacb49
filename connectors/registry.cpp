#include "connectors/registry.hpp"

#include <stdexcept>

#include "connectors/hf_derivatives.hpp"
#include "connectors/hf_models.hpp"
#include "connectors/openrouter.hpp"

namespace atomd {

std::optional<std::string_view> ConnectorSettings::value(std::string_view key) const {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::string ConnectorSettings::secret(const char* name) const {
  const char* v = env ? env(name) : nullptr;
  return v ? v : "";
}

ConnectorBuild ConnectorBuild::run(std::shared_ptr<Connector> connector, std::string note, std::string message) {
  if (!connector) throw std::invalid_argument("ConnectorBuild::run: null connector");
  return {std::move(connector), std::move(note), std::move(message)};
}

ConnectorBuild ConnectorBuild::off(std::string note, std::string message) {
  return {nullptr, std::move(note), std::move(message)};
}

ConnectorBuild ConnectorRegistration::build(const ConnectorSettings& settings) const {
  if (!settings.enabled) return ConnectorBuild::off("disabled by " + config_section + ".enabled");
  ConnectorBuild built = factory(settings);
  // The runner labels its reports with name(); cursors and status use the registered name.
  if (built.connector && built.connector->name() != name)
    throw std::logic_error("connector " + name + ": its factory built '" + std::string(built.connector->name()) + "'");
  return built;
}

void ConnectorRegistry::add(ConnectorRegistration registration) {
  if (registration.name.empty() || registration.config_section.empty() || !registration.factory)
    throw std::invalid_argument("connector registration needs a name, a config section and a factory");
  for (const auto& r : registrations_) {
    if (r.name == registration.name) throw std::invalid_argument("connector " + r.name + " is registered twice");
    if (r.config_section == registration.config_section)
      throw std::invalid_argument("connectors " + r.name + " and " + registration.name + " share the section " +
                                  r.config_section);
  }
  registrations_.push_back(std::move(registration));
}

const ConnectorRegistration* ConnectorRegistry::find(std::string_view name) const {
  for (const auto& r : registrations_)
    if (r.name == name) return &r;
  return nullptr;
}

void register_builtin_connectors(ConnectorRegistry& registry) {
  registry.add(hf_models_registration());
  registry.add(hf_derivatives_registration());
  registry.add(openrouter_registration());
}

const ConnectorRegistry& builtin_connectors() {
  static const ConnectorRegistry registry = [] {
    ConnectorRegistry r;
    register_builtin_connectors(r);
    return r;
  }();
  return registry;
}

}  // namespace atomd
