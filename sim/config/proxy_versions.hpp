// Which scenario settings each modelled HAProxy release has. Only what a scenario can name is
// here; how each release closes connections belongs to the proxy model, not to config.
#pragma once

#include <string>

#include "teardown/config.hpp"

namespace teardown::proxy_versions {

// Why `version` has no such mode, or empty when it has.
std::string mode_unavailable(ProxyVersion version, ProxyMode mode);

// Why `version` has no such http-reuse setting, or empty when it has.
std::string http_reuse_unavailable(ProxyVersion version, HttpReuse reuse);

// Why `version` cannot retry on `condition`, or empty when it can.
std::string retry_on_unavailable(ProxyVersion version, RetryOn condition);

// Why `version` has no such balance algorithm, or empty when it has.
std::string balance_unavailable(ProxyVersion version, Balance balance);

}  // namespace teardown::proxy_versions
