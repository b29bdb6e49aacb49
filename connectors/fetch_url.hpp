#pragma once
// A one-off blocking GET for start-up work outside any poll loop (reference files given as
// URLs): its own io_context, the same HttpClient (deadlines, body limit, TLS) as the pollers.
#include <string>

namespace atomd {

// The body of a 200 answer; throws std::runtime_error naming the URL and the status otherwise.
std::string fetch_url_blocking(const std::string& url);

}  // namespace atomd
