#pragma once
// Loads the five reference files (DESIGN §2b/§3); the tracked list may be a URL.
#include <functional>
#include <string>

#include "core/reference.hpp"
#include "daemon/config.hpp"

namespace atomd {

// Fetches an http(s) URL's body; throws on failure.
using UrlFetcher = std::function<std::string(const std::string& url)>;

bool is_url(const std::string& location);
// Throws ReferenceError / std::runtime_error naming the file and the problem.
ReferenceData load_reference(const Config::Reference& config, const UrlFetcher& fetch);

}  // namespace atomd
