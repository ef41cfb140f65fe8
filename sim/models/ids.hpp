// Names shared by the models: endpoint roles, engine event kinds, HTTP message flags.
#pragma once

#include <cstdint>

#include "tcp/tcp_stack.hpp"

namespace teardown::models {

inline constexpr std::uint32_t kNone = 0xffffffffu;

// Roles label endpoints for reset attribution (TcpCounters::rst_from_to).
inline constexpr Role kRoleClient = 0;
inline constexpr Role kRoleProxyFront = 1;  // the proxy's client-facing sockets
inline constexpr Role kRoleProxyBack = 2;   // the proxy's server-facing sockets
inline constexpr Role kRoleBackend = 3;
inline constexpr Role kRoleMiddlebox = 4;  // a NAT gateway or load balancer on a hop: sends RSTs, owns no socket

// Two bits carried with each HTTP message.
inline constexpr std::uint8_t kMsgClose = 1;  // "Connection: close"
inline constexpr std::uint8_t kMsgError = 2;  // a 5xx produced by the proxy

enum EventKind : std::uint16_t {
  kArrival = kFirstModelEventKind,  // target: client
  kOnOffToggle,                     // global burst on/off
  kEvictorRun,                      // target: client
  kProxyRequestReady,               // target: session; tag: session generation
  kProxyResponseReady,              // target: server connection; tag: its generation
  kProxyIdle,                       // target: session (LazyDeadline)
  kProxyServerTimeout,              // target: server connection (LazyDeadline)
  kProxyConnectTimeout,             // target: server connection (LazyDeadline)
  kProxyRetry,                      // target: session; tag: session generation; payload: wait epoch
  kProxyLingerAbort,                // target: front endpoint; tag: session generation (nolinger after shutdown)
  kProxyPurge,                      // target: server
  kProxyQueueTimeout,               // target: session; tag: generation; payload: wait epoch
  kHealthCheck,                     // target: server
  kBackendServiceDone,              // target: backend connection; tag: its generation
  kBackendClose,                    // target: backend connection; tag: its generation
  kBackendIdle,                     // target: backend connection (LazyDeadline)
  kBackendEvent,                    // target: index into scenario.backends.events
  kBackendUp,                       // target: server
  kWarmupEnd,
  kClientClose,                     // target: client connection closing after its reaction time
};

}  // namespace teardown::models
