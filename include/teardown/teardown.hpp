// Everything an embedder needs: load a scenario, run it, read the result.
//   teardown::Scenario s = teardown::load_toml("scenario.toml");
//   teardown::Result r = teardown::run(s);
#pragma once

#include "teardown/config.hpp"
#include "teardown/engine.hpp"
#include "teardown/proxy_rules.hpp"
#include "teardown/random.hpp"
#include "teardown/result.hpp"
#include "teardown/scenario.hpp"
#include "teardown/tcp.hpp"
#include "teardown/time.hpp"
#include "teardown/topology.hpp"
#include "teardown/trace.hpp"
