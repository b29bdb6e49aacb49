#include "daemon/reference_loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "connectors/fetch_url.hpp"
#include "tests/support/fake_http_server.hpp"

namespace atomd {
namespace {

Config::Reference project_files() {
  Config::Reference r;
  const std::string src = ATOMD_SOURCE_DIR;
  r.tracked_models = src + "/config/tracked_models.csv";
  r.regions = src + "/config/regions.csv";
  r.sizes = src + "/config/sizes.csv";
  r.release_dates = src + "/config/release_dates.csv";
  r.org_aliases = src + "/config/org_aliases.csv";
  return r;
}

TEST(ReferenceLoader, LoadsTheProjectFiles) {
  auto data = load_reference(project_files(), fetch_url_blocking);
  EXPECT_GT(data.tracked_models().size(), 100u);
  EXPECT_EQ(data.region_of("THUDM"), Region::china);
  EXPECT_TRUE(data.is_tracked("Qwen/Qwen2.5-7B-Instruct"));
}

TEST(ReferenceLoader, TrackedListFromAUrl) {
  testing::FakeHttpServer server;
  server.route("/tracked-models/models.csv",
               {testing::FakeResponse{200, {{"Content-Type", "text/csv"}},
                                      "org,model,modelId\nQwen,Qwen3-8B,Qwen/Qwen3-8B\nnvidia,Nemotron-H-8B,nvidia/Nemotron-H-8B\n"}});
  auto files = project_files();
  files.tracked_models = server.base_url() + "/tracked-models/models.csv";
  auto data = load_reference(files, fetch_url_blocking);
  ASSERT_EQ(data.tracked_models().size(), 2u);
  EXPECT_EQ(data.tracked_orgs(), (std::vector<std::string>{"Qwen", "nvidia"}));

  files.tracked_models = server.base_url() + "/missing.csv";
  try {
    load_reference(files, fetch_url_blocking);
    FAIL() << "a 404 must not load";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 404"), std::string::npos) << e.what();
  }
}

TEST(ReferenceLoader, ErrorsNameTheFile) {
  auto dir = std::filesystem::path(ATOMD_BINARY_DIR) / "test-tmp" / "reference-loader";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "regions.csv") << "hf_org,region,notes\nQwen,asia,\n";
  auto files = project_files();
  files.regions = (dir / "regions.csv").string();
  try {
    load_reference(files, fetch_url_blocking);
    FAIL() << "an unknown region must not load";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "regions.csv").string() + ":2:"), std::string::npos) << e.what();
  }
  files.regions = (dir / "absent.csv").string();
  EXPECT_THROW(load_reference(files, fetch_url_blocking), std::runtime_error);
}

}  // namespace
}  // namespace atomd
