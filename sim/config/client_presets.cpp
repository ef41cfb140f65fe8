// Client-library presets: what each library's default client sets, each value with its source
// (the library's source at the tag named, or its official documentation). Every preset sets
// every key below, so switching presets leaves nothing of the previous one. Where the library
// has no limit the model needs a number: "1000 stands for none". docs/presets.md is generated
// from these rows (python -m teardown.preset_doc).
#include "config/preset_rows.hpp"

namespace teardown::preset_rows {
namespace {

// ---- Apache HttpClient 4.5.14 (HttpCore 4.4.16), HttpClients.createDefault() ----
constexpr PresetValue kApache45[] = {
    {"pool.max_size", "2",
     "httpcomponents-client@rel/v4.5.14 PoolingHttpClientConnectionManager.java constructor: 2 per route, 20 in all"},
    {"pool.max_idle", "0", "no idle cap beyond the pool's size (httpcore@rel/v4.4.16 AbstractConnPool.java)"},
    {"pool.reuse", "\"lifo\"",
     "httpcore@rel/v4.4.16 RouteSpecificPool.java free() (addFirst) and getFree(): the last returned is leased first"},
    {"pool.idle_evict", "\"off\"",
     "httpcomponents-client@rel/v4.5.14 HttpClientBuilder.java: no IdleConnectionEvictor unless "
     "evictIdleConnections() is called"},
    {"pool.evict_interval", "\"10s\"",
     "HttpClientBuilder.java build(): the evictor sleeps maxIdleTime, 10 s with evictExpiredConnections() alone"},
    {"pool.evict_at_deadline", "false", "IdleConnectionEvictor.java run(): a periodic sweep"},
    {"pool.validate_after_inactivity", "\"2s\"",
     "PoolingHttpClientConnectionManager.java constructor: setValidateAfterInactivity(2000); CPool.validate = !isStale()"},
    {"pool.max_lifetime", "\"off\"", "HttpClientBuilder.java connTimeToLive = -1 (unlimited)"},
    {"pool.keep_alive_header", "true",
     "DefaultConnectionKeepAliveStrategy.java getKeepAliveDuration: timeout=N becomes the expiry, checked at lease "
     "(httpcore AbstractConnPool.java getPoolEntryBlocking, isExpired)"},
    {"pool.keep_alive_header_margin", "\"0s\"", "the timeout is used as announced"},
    {"retries", "3",
     "DefaultHttpRequestRetryHandler.java: 3 retries of an idempotent request (GET) after an I/O error such as "
     "NoHttpResponseException or a reset"},
};

// ---- Apache HttpClient 5.3.1 (HttpCore 5.2.4), classic HttpClients.createDefault() ----
constexpr PresetValue kApache5[] = {
    {"pool.max_size", "5",
     "httpcomponents-client@rel/v5.3.1 PoolingHttpClientConnectionManager.java DEFAULT_MAX_CONNECTIONS_PER_ROUTE = 5"},
    {"pool.max_idle", "0", "no idle cap beyond the pool's size (httpcore5@rel/v5.2.4 StrictConnPool.java)"},
    {"pool.reuse", "\"lifo\"",
     "PoolingHttpClientConnectionManager.java passes PoolReusePolicy.LIFO; httpcore5@rel/v5.2.4 StrictConnPool.java "
     "release (addFirst)"},
    {"pool.idle_evict", "\"3m\"",
     "RequestConfig.java DEFAULT_CONN_KEEP_ALIVE = 3 minutes, the expiry when no Keep-Alive header "
     "(DefaultConnectionKeepAliveStrategy.java)"},
    {"pool.evict_interval", "\"5s\"",
     "IdleConnectionEvictor.java constructor: 5 s when only evictExpiredConnections() is set (off by default)"},
    {"pool.evict_at_deadline", "true",
     "httpcore5@rel/v5.2.4 StrictConnPool.java processPendingRequest: an entry past its expiry is discarded at lease "
     "(no thread); modelled as closed at the deadline"},
    {"pool.validate_after_inactivity", "\"2s\"",
     "PoolingHttpClientConnectionManager.java resolveValidateAfterInactivity: 2 s when unset"},
    {"pool.max_lifetime", "\"off\"", "ConnectionConfig.java: timeToLive unset = unlimited"},
    {"pool.keep_alive_header", "true", "DefaultConnectionKeepAliveStrategy.java: timeout=N, else 3 min"},
    {"pool.keep_alive_header_margin", "\"0s\"", "the timeout is used as announced"},
    {"retries", "1",
     "DefaultHttpRequestRetryStrategy.java INSTANCE = (1, 1 s): one immediate retry of an idempotent request after "
     "an I/O error (the interval is for 429/503 only)"},
};

// ---- OkHttp 3.13.1 and 4.12.0: the same pool rules (3: okhttp3/ConnectionPool.java, 4:
// okhttp3/internal/connection/RealConnectionPool.kt, each at square/okhttp@parent-<version>) ----
constexpr PresetValue kOkHttp[] = {
    {"pool.max_size", "1000",
     "no per-host cap for synchronous calls (Dispatcher's maxRequestsPerHost = 5 limits enqueue() only); 1000 stands "
     "for none"},
    {"pool.max_idle", "5", "ConnectionPool(): maxIdleConnections 5, all hosts together"},
    {"pool.reuse", "\"lifo\"",
     "ConnectionPool put / callAcquirePooledConnection: the first idle connection in creation order, which like LIFO "
     "keeps reusing the same few"},
    {"pool.idle_evict", "\"5m\"", "ConnectionPool(): keepAliveDuration 5 minutes"},
    {"pool.evict_interval", "\"5s\"", "unused: the cleanup runs at each deadline"},
    {"pool.evict_at_deadline", "true",
     "ConnectionPool / RealConnectionPool cleanup: closes the longest idle at its deadline, then waits exactly until "
     "the next one"},
    {"pool.validate_after_inactivity", "\"off\"",
     "RealConnection isHealthy: for a GET only a local check, which does not see a peer's FIN"},
    {"pool.max_lifetime", "\"off\"", "OkHttpClient.Builder: no lifetime setting"},
    {"pool.keep_alive_header", "false",
     "BridgeInterceptor only sends Connection: Keep-Alive; no code reads a response's Keep-Alive header"},
    {"pool.keep_alive_header_margin", "\"0s\"", "the timeout is used as announced"},
    {"retries", "10",
     "OkHttpClient.Builder retryOnConnectionFailure = true; RetryAndFollowUpInterceptor recover: no counter, a failed "
     "reused connection is retired and the call tried again until a fresh one fails; 10 stands for that"},
};

// java.net.http.HttpClient, HTTP/1.1: JDK 17 and 21 differ only in the keep-alive timeout.
#define TEARDOWN_JDK_CLIENT_VALUES(keep_alive, keep_alive_source)                                                   \
  {"pool.max_size", "1000",                                                                                        \
   "jdk/internal/net/http/ConnectionPool.java: no per-host cap (jdk.httpclient.connectionPoolSize 0 = unbounded); " \
   "1000 stands for none"},                                                                                        \
      {"pool.max_idle", "0", "ConnectionPool.java MAX_POOL_SIZE 0 = unbounded"},                                   \
      {"pool.reuse", "\"fifo\"",                                                                                   \
       "ConnectionPool.java putConnection (add) / findConnection (removeFirst): the longest idle first"},          \
      {"pool.idle_evict", keep_alive, keep_alive_source},                                                          \
      {"pool.evict_interval", "\"1s\"", "unused: the selector thread waits until the next deadline"},             \
      {"pool.evict_at_deadline", "true",                                                                           \
       "ConnectionPool.java ExpiryList.add, purgeExpiredConnectionsAndReturnNextDeadline: a deadline per "         \
       "connection (whole seconds)"},                                                                              \
      {"pool.validate_after_inactivity", "\"0s\"",                                                                 \
       "ConnectionPool.java CleanupTrigger: a FIN or error on a pooled connection removes it at once"},           \
      {"pool.max_lifetime", "\"off\"", "no lifetime property for HTTP/1.1 (java.net.http module summary)"},       \
      {"pool.keep_alive_header", "false", "ConnectionPool.java returnToPool: always the fixed KEEP_ALIVE"},        \
      {"pool.keep_alive_header_margin", "\"0s\"", "unused: no header is read"},                                 \
  {                                                                                                                \
    "retries", "1",                                                                                                \
        "MultiExchange.java retryOnFailure / isIdempotentRequest: one retry of a GET or HEAD after "               \
        "ConnectionExpiredException (Http1AsyncReceiver onReadError: EOF or reset before any response byte)"       \
  }

constexpr PresetValue kJdk17[] = {TEARDOWN_JDK_CLIENT_VALUES(
    "\"1200s\"", "jdk17u ConnectionPool.java KEEP_ALIVE = jdk.httpclient.keepalive.timeout, default 1200 s")};
constexpr PresetValue kJdk21[] = {TEARDOWN_JDK_CLIENT_VALUES(
    "\"30s\"",
    "HttpClientImpl.java DEFAULT_KEEP_ALIVE_TIMEOUT = 30 (JDK-8297030, JDK 20; "
    "https://docs.oracle.com/en/java/javase/21/docs/api/java.net.http/module-summary.html)")};
#undef TEARDOWN_JDK_CLIENT_VALUES

// ---- java.net.HttpURLConnection (sun.net.www.http.HttpClient + KeepAliveCache), JDK 17/21 ----
constexpr PresetValue kHttpUrlConnection[] = {
    {"pool.max_size", "1000",
     "sun/net/www/http/KeepAliveCache.java: no cap on connections in use; 1000 stands for none"},
    {"pool.max_idle", "5",
     "KeepAliveCache.java MAX_CONNECTIONS = 5 (http.maxConnections) per destination; ClientVector.put drops the oldest"},
    {"pool.reuse", "\"lifo\"", "KeepAliveCache.java ClientVector: most recent entries at the front (addFirst, peekFirst)"},
    {"pool.idle_evict", "\"5s\"",
     "sun/net/www/http/HttpClient.java parseHTTPHeader: 5 s to a server when the response gives no timeout"},
    {"pool.evict_interval", "\"5s\"", "KeepAliveCache.java LIFETIME = 5000: the Keep-Alive-Timer thread sweeps every 5 s"},
    {"pool.evict_at_deadline", "false", "KeepAliveCache.java run(): a periodic sweep"},
    {"pool.validate_after_inactivity", "\"off\"",
     "HttpClient.java New(): the available() probe is for streaming POSTs only"},
    {"pool.max_lifetime", "\"off\"", "no lifetime setting (java.net Networking Properties, net-properties.html)"},
    {"pool.keep_alive_header", "false",
     "HttpClient.java parseHTTPHeader reads Keep-Alive: timeout=N only in a response saying Connection: keep-alive, "
     "a token HAProxy strips (src/h1_htx.c H1_MF_CLEAN_CONN_HDR at v2.6.0): behind it the header is not honoured"},
    {"pool.keep_alive_header_margin", "\"0s\"", "the timeout is used as announced"},
    {"retries", "1",
     "HttpClient.java parseHTTPHeader: one reconnect and resend when the status line is cut short (EOF); a reset is "
     "rethrown"},
};

// ---- Go net/http DefaultTransport (Go 1.12 to 1.24) ----
constexpr PresetValue kGo[] = {
    {"pool.max_size", "1000", "src/net/http/transport.go MaxConnsPerHost 0 = unlimited; 1000 stands for none"},
    {"pool.max_idle", "2",
     "transport.go DefaultMaxIdleConnsPerHost = 2; tryPutIdleConn closes a connection returned beyond it "
     "(errTooManyIdleHost)"},
    {"pool.reuse", "\"lifo\"", "transport.go queueForIdleConn: the most recently used idle connection"},
    {"pool.idle_evict", "\"90s\"", "transport.go DefaultTransport: IdleConnTimeout 90 * time.Second"},
    {"pool.evict_interval", "\"1s\"", "unused: a timer per connection"},
    {"pool.evict_at_deadline", "true",
     "transport.go tryPutIdleConn: time.AfterFunc(IdleConnTimeout, closeConnIfStillIdle); queueForIdleConn skips "
     "tooOld"},
    {"pool.validate_after_inactivity", "\"0s\"",
     "transport.go persistConn.readLoop: an idle connection's Peek sees the server's FIN and closes it "
     "(errServerClosedIdle)"},
    {"pool.max_lifetime", "\"off\"", "https://pkg.go.dev/net/http#Transport: no lifetime field"},
    {"pool.keep_alive_header", "false", "transport.go: the response's Keep-Alive header is never read"},
    {"pool.keep_alive_header_margin", "\"0s\"", "the timeout is used as announced"},
    {"retries", "10",
     "transport.go persistConn.shouldRetryRequest, Transport.roundTrip: a replayable request (GET) that failed on a "
     "reused connection is retried with no counter; 10 stands for that"},
};

// ---- Node.js http.globalAgent (v19 and later; Node 20-24) ----
constexpr PresetValue kNodeAgent[] = {
    {"pool.max_size", "1000", "nodejs/node lib/_http_agent.js Agent.defaultMaxSockets = Infinity; 1000 stands for it"},
    {"pool.max_idle", "256", "lib/_http_agent.js Agent constructor: maxFreeSockets 256 per host"},
    {"pool.reuse", "\"lifo\"",
     "https://nodejs.org/api/http.html#new-agentoptions: scheduling 'lifo' (globalAgent; the default since v15.6.0)"},
    {"pool.idle_evict", "\"5s\"",
     "https://nodejs.org/api/http.html#httpglobalagent: globalAgent { keepAlive: true, timeout: 5000 } since v19.0.0 "
     "(https://github.com/nodejs/node/pull/43522)"},
    {"pool.evict_interval", "\"1s\"", "unused: a timer per socket"},
    {"pool.evict_at_deadline", "true",
     "lib/_http_agent.js keepSocketAlive: socket.setTimeout(timeout) on a freed socket; onTimeout destroys it"},
    {"pool.validate_after_inactivity", "\"0s\"",
     "lib/_http_agent.js installListeners: a free socket that reads a FIN is destroyed and removed at once"},
    {"pool.max_lifetime", "\"off\"", "no lifetime option (https://nodejs.org/api/http.html#class-httpagent)"},
    {"pool.keep_alive_header", "true",
     "lib/_http_agent.js keepSocketAlive: a response's Keep-Alive: timeout=N shortens the agent's timeout"},
    {"pool.keep_alive_header_margin", "\"1s\"",
     "lib/_http_agent.js HTTP_AGENT_KEEP_ALIVE_TIMEOUT_BUFFER = 1000 (https://github.com/nodejs/node/pull/54863; "
     "agentKeepAliveTimeoutBuffer from v24.7.0)"},
    {"retries", "0",
     "https://nodejs.org/api/http.html#requestreusedsocket: Node does not retry; the application may, using "
     "request.reusedSocket"},
};

// ---- urllib3 2.2.3 through requests 2.32.3 (a Session's HTTPAdapter) ----
constexpr PresetValue kUrllib3[] = {
    {"pool.max_size", "1000",
     "psf/requests@v2.32.3 adapters.py DEFAULT_POOLBLOCK = False: more connections open when all are busy; 1000 "
     "stands for no limit"},
    {"pool.max_idle", "10",
     "adapters.py DEFAULT_POOLSIZE = 10; urllib3@2.2.3 connectionpool.py _put_conn closes a connection returned to a "
     "full pool"},
    {"pool.reuse", "\"lifo\"", "urllib3@2.2.3 src/urllib3/connectionpool.py QueueCls = queue.LifoQueue"},
    {"pool.idle_evict", "\"off\"", "connectionpool.py: no idle timeout or eviction"},
    {"pool.evict_interval", "\"5s\"", "unused: no monitor"},
    {"pool.evict_at_deadline", "false", "no timer"},
    {"pool.validate_after_inactivity", "\"0s\"",
     "connectionpool.py _get_conn: is_connection_dropped on every reuse, a zero-timeout readability check that sees "
     "a FIN already received"},
    {"pool.max_lifetime", "\"off\"", "no lifetime setting"},
    {"pool.keep_alive_header", "false", "urllib3 src/ reads no Keep-Alive header (only util/request.py sends one)"},
    {"pool.keep_alive_header_margin", "\"0s\"", "unused: no header is read"},
    {"retries", "0",
     "requests adapters.py DEFAULT_RETRIES = 0, Retry(0, read=False): a dead reused connection is a ConnectionError "
     "(bare urllib3: Retry.DEFAULT = 3 for GET, util/retry.py)"},
};

constexpr Preset kClients[] = {
    {"apache-httpclient-4.5", PresetKind::Client, "Apache HttpClient", "4.5.14", kApache45,
     "Built by HttpClients.createDefault(). A connection past its Keep-Alive expiry is closed when a lease finds it; "
     "without evictIdleConnections() nothing else closes an idle connection.",
     "HttpClientBuilder.evictIdleConnections({ms}, TimeUnit.MILLISECONDS) (the evictor also sleeps that long between "
     "sweeps, so a connection goes between one and two times it idle)"},
    {"apache-httpclient-5", PresetKind::Client, "Apache HttpClient", "5.3.1", kApache5,
     "Classic API, HttpClients.createDefault(). The 3 min expiry (or a Keep-Alive timeout) is checked when a lease "
     "finds the connection; the model closes it at the deadline, which reuses the same connections and closes "
     "earlier. A longer Keep-Alive timeout than 3 min would replace the 3 min; the model takes the shorter.",
     "RequestConfig.custom().setConnectionKeepAlive(TimeValue.ofMilliseconds({ms}))"},
    {"okhttp-3", PresetKind::Client, "OkHttp", "3.13.1", kOkHttp,
     "The version Debian 12 ships. The pool has no per-host cap for synchronous calls; it keeps 5 idle connections "
     "over all hosts (the model's clients each talk to one proxy). Reuse is by creation order, modelled as LIFO.",
     "new OkHttpClient.Builder().connectionPool(new ConnectionPool(5, {ms}, TimeUnit.MILLISECONDS))"},
    {"okhttp-4", PresetKind::Client, "OkHttp", "4.12.0", kOkHttp,
     "As okhttp-3. For a method other than GET idle 10 s or more, a 1 ms read probe runs first (the model's "
     "requests are GETs).",
     "OkHttpClient.Builder().connectionPool(ConnectionPool(5, {ms}, TimeUnit.MILLISECONDS))"},
    {"jdk-httpclient-17", PresetKind::Client, "java.net.http.HttpClient", "JDK 17", kJdk17,
     "HTTP/1.1. Pooled connections are watched: a FIN closes them at once, so only a request that crosses the "
     "FIN meets a dead connection. Deadlines are rounded down to whole seconds (not modelled).",
     "-Djdk.httpclient.keepalive.timeout={s}"},
    {"jdk-httpclient-21", PresetKind::Client, "java.net.http.HttpClient", "JDK 21", kJdk21, "As jdk-httpclient-17, "
     "with the 30 s keep-alive timeout of JDK 20 and later.",
     "-Djdk.httpclient.keepalive.timeout={s}"},
    {"httpurlconnection", PresetKind::Client, "java.net.HttpURLConnection", "JDK 17/21", kHttpUrlConnection,
     "The expiry is the server's Keep-Alive timeout when the response also says Connection: keep-alive (never "
     "through HAProxy), else 5 s. KeepAliveCache.get also refuses an entry already past it, which the model does "
     "not (it may reuse one idle 5 to 10 s, until the sweep). The retry is for a status line cut short only, where "
     "the model retries any failure on a reused connection.",
     "-Dhttp.keepAlive.time.server={s} (JDK 19, 17.0.5)"},
    {"go-net-http", PresetKind::Client, "Go net/http", "1.12-1.24 DefaultTransport", kGo,
     "Idle connections are watched by their read loop, which sees a FIN at once. Over 2 idle connections Go closes "
     "the one being returned; the model closes the one idle longest.",
     "Transport.IdleConnTimeout = {ms} * time.Millisecond"},
    {"node-agent", PresetKind::Client, "Node.js http.globalAgent", "20-24", kNodeAgent,
     "The global agent (new http.Agent() has no keep-alive and no timeout). A Keep-Alive: timeout=N shortens the "
     "5 s to N - 1 s (a socket is not kept when that is 0); the header arrives through HAProxy unchanged.",
     "new http.Agent({ keepAlive: true, timeout: {ms} })"},
    {"urllib3", PresetKind::Client, "urllib3 (via requests)", "2.2.3 / requests 2.32.3", kUrllib3,
     "A requests Session: 10 connections kept per host, more opened when all are busy and closed on return. "
     "Bare urllib3 keeps 1 per host and retries 3 times.",
     "none: urllib3 has no idle timeout; close the Session or retry with HTTPAdapter(max_retries=Retry(...))"},
};

}  // namespace

std::span<const Preset> clients() { return kClients; }

}  // namespace teardown::preset_rows
