#include "daemon/reference_loader.hpp"

namespace atomd {
namespace {

std::string read_location(const std::string& location, const UrlFetcher& fetch) {
  if (is_url(location)) return fetch(location);
  return read_text_file(location);
}

}  // namespace

bool is_url(const std::string& location) {
  return location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0;
}

ReferenceData load_reference(const Config::Reference& c, const UrlFetcher& fetch) {
  ReferenceTexts texts;
  texts.tracked_models = read_location(c.tracked_models, fetch);
  texts.tracked_models_source = c.tracked_models;
  texts.regions = read_location(c.regions, fetch);
  texts.regions_source = c.regions;
  texts.sizes = read_location(c.sizes, fetch);
  texts.sizes_source = c.sizes;
  texts.release_dates = read_location(c.release_dates, fetch);
  texts.release_dates_source = c.release_dates;
  texts.org_aliases = read_location(c.org_aliases, fetch);
  texts.org_aliases_source = c.org_aliases;
  return ReferenceData::parse(texts);
}

}  // namespace atomd
