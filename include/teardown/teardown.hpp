// Everything an embedder needs: load a scenario, run it, read the result.
//   teardown::Scenario s = teardown::load_toml("scenario.toml");
//   teardown::Result r = teardown::run(s);
// These headers are the whole public contract; the engine, the TCP stack and the topology
// behind run() are private (sim/) and may change shape between releases.
#pragma once

#include "teardown/config.hpp"
#include "teardown/presets.hpp"
#include "teardown/proxy_rules.hpp"
#include "teardown/result.hpp"
#include "teardown/scenario.hpp"
#include "teardown/scenario_keys.hpp"
#include "teardown/time.hpp"
#include "teardown/trace.hpp"
