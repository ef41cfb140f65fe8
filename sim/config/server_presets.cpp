// Server presets: what each server does by default with an idle or a used-up keep-alive
// connection, each value with its source (the server's source at the tag named, or its official
// documentation). Every preset sets the same three keys; how the server closes (a FIN after the
// last write, or on its idle timeout, never with a response) is what the backend model does for
// all of them, and what differs is in the note. close_delay, close_jitter and
// close_waits_for_loop keep the scenario's values (measured on a Netty backend).
#include "config/preset_rows.hpp"

namespace teardown::preset_rows {
namespace {

constexpr PresetValue kNetty4[] = {
    {"keep_alive", "\"forever\"",
     "netty@netty-4.1.128.Final codec-http HttpServerKeepAliveHandler.java: no timer; an idle timeout needs an added "
     "IdleStateHandler or ReadTimeoutHandler"},
    {"max_requests", "0", "HttpServerKeepAliveHandler.java: no request count"},
    {"keep_alive_header", "false", "HttpServerKeepAliveHandler.java write -> HttpUtil.setKeepAlive: Connection only"},
    {"keep_alive_header_timeout", "\"off\"", "no Keep-Alive header to announce a timeout"},
};

constexpr PresetValue kTomcat10[] = {
    {"keep_alive", "\"20s\"",
     "tomcat@10.1.59 conf/server.xml connectionTimeout=\"20000\", which keepAliveTimeout defaults to "
     "(AbstractEndpoint.java getKeepAliveTimeout; embedded Tomcat: 60 s, http11/Constants.java)"},
    {"max_requests", "100",
     "AbstractEndpoint.java maxKeepAliveRequests = 100; Http11Processor.java prepareResponse: the 100th response "
     "says Connection: close"},
    {"keep_alive_header", "false",
     "Http11Processor.java prepareResponse: Keep-Alive: timeout=N only when the request said Connection: keep-alive, "
     "which HAProxy strips (src/h1_htx.c H1_MF_CLEAN_CONN_HDR at v2.6.0)"},
    {"keep_alive_header_timeout", "\"off\"", "no Keep-Alive header to announce a timeout"},
};

constexpr PresetValue kJetty9[] = {
    {"keep_alive", "\"30s\"",
     "jetty.project@jetty-9.4.56.v20240826 AbstractConnector.java _idleTimeout = 30000; IdleTimeout.java "
     "checkIdleTimeout fires at the deadline"},
    {"max_requests", "0", "HttpConfiguration.java at 9.4.56: no requests-per-connection setting"},
    {"keep_alive_header", "false", "HttpChannelOverHttp.java: no Keep-Alive header for HTTP/1.1"},
    {"keep_alive_header_timeout", "\"off\"", "no Keep-Alive header to announce a timeout"},
};

constexpr PresetValue kNodeHttp[] = {
    {"keep_alive", "\"6s\"",
     "nodejs/node lib/_http_server.js: the idle socket's timeout is keepAliveTimeout (5000 ms, v8 to v25; 65 s "
     "from v26, https://github.com/nodejs/node/pull/62782) plus a 1000 ms buffer (server.keepAliveTimeoutBuffer, "
     "settable from v24.6.0, https://nodejs.org/api/http.html); measured 6.0006 s on Node 20.20.2 (docs/validation.md)"},
    {"max_requests", "0", "https://nodejs.org/api/http.html#servermaxrequestspersocket: maxRequestsPerSocket 0 = none"},
    {"keep_alive_header", "true",
     "lib/_http_outgoing.js _storeHeader: every keep-alive response says Keep-Alive: timeout=5"},
    {"keep_alive_header_timeout", "\"5s\"",
     "_http_outgoing.js: the header announces keepAliveTimeout, without the buffer"},
};

constexpr PresetValue kGoHttp[] = {
    {"keep_alive", "\"forever\"",
     "src/net/http/server.go (*Server).idleTimeout: IdleTimeout 0 falls back to ReadTimeout, 0 too: no idle timeout "
     "(https://pkg.go.dev/net/http#Server)"},
    {"max_requests", "0", "server.go: no request count per connection"},
    {"keep_alive_header", "false", "server.go (*chunkWriter).writeHeader: Connection only"},
    {"keep_alive_header_timeout", "\"off\"", "no Keep-Alive header to announce a timeout"},
};

constexpr PresetValue kGunicorn[] = {
    {"keep_alive", "\"close-after-response\"",
     "benoitc/gunicorn@23.0.0 config.py worker_class \"sync\"; workers/sync.py handle_request force_close(): every "
     "response says Connection: close and the socket is closed after it"},
    {"max_requests", "0", "config.py MaxRequests 0: the worker is never recycled"},
    {"keep_alive_header", "false", "http/wsgi.py Response.default_headers: Connection only"},
    {"keep_alive_header_timeout", "\"off\"", "no Keep-Alive header to announce a timeout"},
};

constexpr PresetValue kUvicorn[] = {
    {"keep_alive", "\"5s\"",
     "encode/uvicorn@0.35.0 config.py timeout_keep_alive = 5; protocols/http/h11_impl.py call_later fires at the "
     "deadline"},
    {"max_requests", "0", "config.py limit_max_requests = None (and that counts the process, not a connection)"},
    {"keep_alive_header", "false", "uvicorn/ at 0.35.0 emits no Keep-Alive header"},
    {"keep_alive_header_timeout", "\"off\"", "no Keep-Alive header to announce a timeout"},
};

constexpr PresetValue kNginx[] = {
    {"keep_alive", "\"75s\"",
     "nginx@release-1.26.3 src/http/ngx_http_core_module.c keepalive_timeout 75000; ngx_http_request.c "
     "ngx_http_set_keepalive arms a timer"},
    {"max_requests", "1000",
     "ngx_http_core_module.c keepalive_requests 1000 (100 before 1.19.10, "
     "https://nginx.org/en/docs/http/ngx_http_core_module.html#keepalive_requests); the last response says "
     "Connection: close"},
    {"keep_alive_header", "false",
     "ngx_http_header_filter_module.c: Keep-Alive: timeout=N only with keepalive_timeout's second parameter"},
    {"keep_alive_header_timeout", "\"off\"", "no Keep-Alive header to announce a timeout"},
};

constexpr Preset kServers[] = {
    {"netty-4", PresetKind::Server, "Netty", "4.1.128.Final", kNetty4,
     "HttpServerCodec + HttpServerKeepAliveHandler: the response to a Connection: close request says close and the "
     "channel closes right after the last write (ChannelFutureListener.CLOSE), as the backend model does.",
     "pipeline.addLast(new IdleStateHandler(0, 0, {ms}, TimeUnit.MILLISECONDS)) with a handler that closes on "
     "IdleStateEvent"},
    {"tomcat-10", PresetKind::Server, "Apache Tomcat", "10.1.59", kTomcat10,
     "The shipped server.xml's 20 s (embedded Tomcat and Spring Boot: 60 s). The NIO poller sweeps timeouts every "
     "second, so the close comes 0-1 s after the timeout (not modelled); an idle close is a plain close, FIN.",
     "<Connector keepAliveTimeout=\"{ms}\" .../> (Spring Boot: server.tomcat.keep-alive-timeout)"},
    {"jetty-9", PresetKind::Server, "Eclipse Jetty", "9.4.56", kJetty9,
     "On its idle timeout and after a Connection: close response Jetty shuts its output down (FIN) and waits for "
     "the client's FIN before closing (HttpConnection.java SendCallback, AbstractConnection onFillInterestedFailed); "
     "the model closes at once. Jetty 12.0.14 has the same 30 s.",
     "connector.setIdleTimeout({ms}) (jetty.http.idleTimeout; Spring Boot: server.jetty.connection-idle-timeout)"},
    {"node-http", PresetKind::Server, "Node.js http.Server", "20-24", kNodeHttp,
     "It announces keepAliveTimeout (5 s) and closes the idle socket 1 s later (keepAliveTimeoutBuffer, "
     "configurable from v24.6.0): keep_alive is the close, keep_alive_header_timeout the announcement.",
     "server.keepAliveTimeout = {ms}"},
    {"go-http", PresetKind::Server, "Go net/http Server", "1.12-1.24", kGoHttp,
     "The zero http.Server (http.ListenAndServe) never closes an idle connection; with IdleTimeout set the deadline "
     "is exact. After a response it will not reuse it closes at once (FIN), waiting 500 ms only when request body "
     "was left unread.",
     "&http.Server{IdleTimeout: {ms} * time.Millisecond}"},
    {"gunicorn", PresetKind::Server, "gunicorn", "23.0.0", kGunicorn,
     "The default sync worker has no keep-alive: each request costs the proxy a new server connection. The gthread, "
     "gevent and eventlet workers keep connections 2 s (keepalive), swept every second.",
     "gunicorn -k gthread --keep-alive {s}"},
    {"uvicorn", PresetKind::Server, "uvicorn", "0.35.0", kUvicorn,
     "h11 and httptools alike: a per-connection timer, transport.close() (FIN) when it fires.",
     "uvicorn --timeout-keep-alive {s}"},
    {"nginx", PresetKind::Server, "nginx", "1.26.3", kNginx,
     "As an origin server. keepalive_time (1 h: a request on an older connection is answered with close) is not "
     "modelled; a Connection: close response is followed by a lingering close only when more client data may come.",
     "keepalive_timeout {ms}ms;"},
};

}  // namespace

std::span<const Preset> servers() { return kServers; }

}  // namespace teardown::preset_rows
