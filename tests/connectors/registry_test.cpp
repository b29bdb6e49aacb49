#include "connectors/registry.hpp"

#include <gtest/gtest.h>

#include <set>

#include "connectors/hf_derivatives.hpp"
#include "connectors/hf_models.hpp"
#include "connectors/openrouter.hpp"
#include "tests/connectors/test_context.hpp"
#include "tests/support/fake_http_server.hpp"

namespace atomd {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpServer;
using testing::FakeResponse;

// An environment holding only `vars`.
std::function<const char*(const char*)> environment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

ConnectorSettings settings(std::map<std::string, std::string> env = {}, std::string base_url = {},
                           std::chrono::milliseconds interval = {},
                           std::map<std::string, std::string, std::less<>> values = {}) {
  ConnectorSettings s;
  s.env = environment(std::move(env));
  s.base_url = std::move(base_url);
  s.interval = interval;
  s.values = std::move(values);
  return s;
}

const ConnectorRegistration& builtin(std::string_view name) {
  const auto* r = builtin_connectors().find(name);
  if (!r) throw std::runtime_error("not registered: " + std::string(name));
  return *r;
}

// Builds `name` from `s`, expecting it to run with this status note and start-up message.
std::shared_ptr<Connector> expect_runs(std::string_view name, const ConnectorSettings& s, const std::string& note,
                                       const std::string& message) {
  auto built = builtin(name).build(s);
  EXPECT_TRUE(built.enabled()) << name;
  EXPECT_EQ(built.note, note) << name;
  EXPECT_EQ(built.message, message) << name;
  if (!built.connector) throw std::runtime_error(std::string(name) + " did not build");
  return built.connector;
}

TEST(ConnectorRegistry, BuiltinsAreRegisteredOnceEachInStartOrder) {
  std::vector<std::string> names, sections;
  for (const auto& r : builtin_connectors().all()) {
    names.push_back(r.name);
    sections.push_back(r.config_section);
    EXPECT_TRUE(r.factory) << r.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"hf_models", "hf_derivatives", "openrouter"}));
  EXPECT_EQ(sections, (std::vector<std::string>{"connectors.hf", "connectors.hf_derivatives", "connectors.openrouter"}));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  EXPECT_EQ(builtin_connectors().find("replay"), nullptr);
  EXPECT_FALSE(builtin("hf_models").cursor);
  EXPECT_TRUE(builtin("hf_derivatives").cursor);
  EXPECT_TRUE(builtin("openrouter").cursor);
}

TEST(ConnectorRegistry, RefusesDuplicatesAndIncompleteRegistrations) {
  ConnectorRegistry registry;
  register_builtin_connectors(registry);
  auto copy = builtin("hf_models");
  EXPECT_THROW(registry.add(copy), std::invalid_argument);
  copy.name = "hf_models_2";  // same section
  EXPECT_THROW(registry.add(copy), std::invalid_argument);
  copy.config_section = "connectors.hf_models_2";
  copy.factory = nullptr;
  EXPECT_THROW(registry.add(copy), std::invalid_argument);
  EXPECT_EQ(registry.all().size(), 3u);
}

TEST(ConnectorRegistry, TheEnabledSwitchTurnsEveryConnectorOffWithoutItsFactory) {
  for (const auto& r : builtin_connectors().all()) {
    auto s = settings({{"HF_TOKEN", "t"}, {"OPENROUTER_API_KEY", "k"}});
    s.enabled = false;
    auto built = r.build(s);
    EXPECT_FALSE(built.enabled()) << r.name;
    EXPECT_EQ(built.note, "disabled by " + r.config_section + ".enabled");
    EXPECT_EQ(built.message, "");  // no start-up log line, as before the registry
  }
  int calls = 0;
  ConnectorRegistration counting{"fake", "connectors.fake", [&](const ConnectorSettings&) {
                                   ++calls;
                                   return ConnectorBuild::off("never");
                                 }};
  auto s = settings();
  s.enabled = false;
  counting.build(s);
  EXPECT_EQ(calls, 0);
}

TEST(ConnectorRegistry, AFactoryMustBuildTheConnectorItRegistered) {
  ConnectorRegistration wrong{"not_hf", "connectors.not_hf", builtin("hf_models").factory};
  EXPECT_THROW(wrong.build(settings()), std::logic_error);
}

TEST(ConnectorRegistry, HfModelsAnonymousOrWithToken) {
  auto s = settings({}, "https://hub.test", 90s);
  auto anonymous = expect_runs("hf_models", s, "anonymous (no HF_TOKEN)",
                               "polling https://hub.test every 90s (anonymous; set HF_TOKEN for higher rate limits)");
  EXPECT_EQ(anonymous->name(), "hf_models");
  EXPECT_EQ(anonymous->interval(), 90s);
  auto* hf = dynamic_cast<HfModelsConnector*>(anonymous.get());
  ASSERT_NE(hf, nullptr);
  EXPECT_EQ(hf->first_page_url("Qwen").rfind("https://hub.test/api/models?author=Qwen&", 0), 0u);
  EXPECT_NE(dynamic_cast<TracksStaleModels*>(anonymous.get()), nullptr);

  s.env = environment({{"HF_TOKEN", "hf_test"}});
  expect_runs("hf_models", s, "authenticated", "polling https://hub.test every 90s (with HF_TOKEN)");
  // An empty HF_TOKEN is no token.
  s.env = environment({{"HF_TOKEN", ""}});
  EXPECT_EQ(builtin("hf_models").build(s).note, "anonymous (no HF_TOKEN)");
}

TEST(ConnectorRegistry, HfModelsSendsTheInjectedToken) {
  FakeHttpServer server;
  server.route(FakeHttpServer::path_is("/api/models"), {FakeResponse{200, {}, "[]"}});
  auto built = builtin("hf_models").build(settings({{"HF_TOKEN", "hf_injected"}}, server.base_url()));
  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
  testing::RecordingContext context(client, testing::tracked("org,model,modelId\nQwen,Qwen3-8B,Qwen/Qwen3-8B\n"));
  testing::run_task(ioc, built.connector->poll(context));
  ASSERT_EQ(server.request_count(), 1u);
  EXPECT_EQ(server.requests()[0].header("Authorization"), "Bearer hf_injected");
}

TEST(ConnectorRegistry, HfDerivativesTakesItsRelistWindow) {
  auto s = settings({}, "https://hub.test/", 15min, {{"relist_window", "604800000ms"}});
  auto built = expect_runs("hf_derivatives", s, "anonymous (no HF_TOKEN)",
                           "new models on https://hub.test/ every 900s, re-listing the last 7 days every 4 polls");
  auto* d = dynamic_cast<HfDerivativesConnector*>(built.get());
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->first_page_url().rfind("https://hub.test/api/models?sort=createdAt", 0), 0u);
  EXPECT_EQ(d->interval(), 15min);
  s.env = environment({{"HF_TOKEN", "hf_test"}});
  EXPECT_EQ(builtin("hf_derivatives").build(s).note, "authenticated");
  s.values["relist_window"] = "a month";
  EXPECT_THROW(builtin("hf_derivatives").build(s), std::invalid_argument);
}

TEST(ConnectorRegistry, OpenRouterStaysOffWithoutAKey) {
  for (auto env : {std::map<std::string, std::string>{}, std::map<std::string, std::string>{{"OPENROUTER_API_KEY", ""}}}) {
    auto built = builtin("openrouter").build(settings(env));
    EXPECT_FALSE(built.enabled());
    EXPECT_EQ(built.note, "disabled: OPENROUTER_API_KEY is not set");
    EXPECT_EQ(built.message, "disabled: OPENROUTER_API_KEY is not set (set it to track inference share)");
  }
}

TEST(ConnectorRegistry, OpenRouterWithAKey) {
  auto s = settings({{"OPENROUTER_API_KEY", "sk-or-test"}}, "https://or.test", 1h, {{"start_date", "2025-03-01"}});
  auto built = expect_runs("openrouter", s, "with OPENROUTER_API_KEY",
                           "daily token rankings from 2025-03-01 on https://or.test every 3600s");
  auto* o = dynamic_cast<OpenRouterConnector*>(built.get());
  ASSERT_NE(o, nullptr);
  EXPECT_TRUE(o->has_key());
  EXPECT_EQ(o->models_url(), "https://or.test/api/v1/models");
  s.values["start_date"] = "March 2025";
  EXPECT_THROW(builtin("openrouter").build(s), std::invalid_argument);
}

TEST(ConnectorCursor, HfDerivativesTextIsCreatedAtThenRepoId) {
  EXPECT_EQ(format_derivatives_cursor({1749556800000, "zeta/Qwen3-8B-abliterated"}),
            "1749556800000 zeta/Qwen3-8B-abliterated");
  EXPECT_EQ(parse_derivatives_cursor("1749556800000 zeta/Qwen3-8B-abliterated"),
            (HfDerivativesCursor{1749556800000, "zeta/Qwen3-8B-abliterated"}));
  for (const char* malformed : {"", "1749556800000", "1749556800000 ", " zeta/x", "abc zeta/x", "17x zeta/x",
                                "99999999999999999999 zeta/x"})
    EXPECT_EQ(parse_derivatives_cursor(malformed), std::nullopt) << malformed;
}

TEST(ConnectorCursor, CodecsRoundTripAndRefuseMalformedText) {
  struct Case {
    const char* connector;
    const char* text;
    std::vector<const char*> malformed;
  };
  const Case cases[] = {
      {"hf_derivatives", "1749556800000 zeta/Qwen3-8B-abliterated", {"", "1749556800000", "x y", "12 "}},
      {"openrouter", "2025-06-01", {"", "2025-13-01", "yesterday", "2025-06-01 "}},
  };
  for (const auto& c : cases) {
    const auto& r = builtin(c.connector);
    auto built = r.build(settings({{"OPENROUTER_API_KEY", "k"}}));
    ASSERT_TRUE(built.enabled()) << c.connector;
    EXPECT_EQ(r.cursor.encode(*built.connector), std::nullopt) << c.connector << ": no position before a poll";
    for (const char* bad : c.malformed) {
      EXPECT_FALSE(r.cursor.decode(*built.connector, bad)) << c.connector << ": '" << bad << "'";
      EXPECT_EQ(r.cursor.encode(*built.connector), std::nullopt) << c.connector << ": '" << bad << "' restored nothing";
    }
    ASSERT_TRUE(r.cursor.decode(*built.connector, c.text)) << c.connector;
    EXPECT_EQ(r.cursor.encode(*built.connector), c.text) << c.connector;
  }
  // The codec reaches the connector's own cursor.
  auto built = builtin("openrouter").build(settings({{"OPENROUTER_API_KEY", "k"}}));
  ASSERT_TRUE(builtin("openrouter").cursor.decode(*built.connector, "2025-06-01"));
  EXPECT_EQ(dynamic_cast<OpenRouterConnector&>(*built.connector).cursor(), parse_date("2025-06-01"));
}

}  // namespace
}  // namespace atomd
