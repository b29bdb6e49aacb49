#pragma once
// Pure parsing of Hugging Face's model listing (no I/O): the JSON array answered by
// GET /api/models?author=ORG&expand[]=... and the Link header that pages through it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.hpp"
#include "core/time.hpp"

namespace atomd {

struct HfModelsPage {
  std::vector<HfModelSnapshot> models;
  std::vector<Rejection> rejected;  // one per bad entry; a malformed page gives one and no models
};

// Each entry: `id` (org/name) → repo_id, org; `createdAt`; `downloads` (HF's rolling 30 days);
// `downloadsAllTime`; `likes`; `safetensors.total`, else `gguf.total` → params_total; `tags`;
// `pipeline_tag`; `library_name`; `gated` (false | true | "auto" | "manual" → bool).
// All snapshots get `observed_at`.
HfModelsPage parse_models_page(std::string_view body, TimeMs observed_at);

// The target of the link with rel="next" in a Link header (RFC 8288), as written there
// (possibly relative); nullopt when there is none.
std::optional<std::string> parse_link_next(std::string_view link_header);

}  // namespace atomd
