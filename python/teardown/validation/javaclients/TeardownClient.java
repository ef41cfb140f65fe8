// Real Java HTTP client libraries as the load client of teardown's validation harness (issue 20).
//
// One program drives one of three libraries, each with its DEFAULT connection pooling, because
// the pool's timers (idle expiry, stale check, silent retries) are what the harness measures:
//   apache-httpclient-4.5  HttpClientBuilder.create().build(): PoolingHttpClientConnectionManager
//                          (validateAfterInactivity 2 s, no idle evictor, 2 per route), and
//                          DefaultHttpRequestRetryHandler (3 retries of an idempotent request)
//   okhttp-3               new OkHttpClient.Builder(): ConnectionPool(5 idle, 5 min),
//                          retryOnConnectionFailure true
//   jdk-httpclient-17      HttpClient.newBuilder(): the JDK's pool (1200 s keep-alive; an idle
//                          pooled connection is watched by the selector and dropped on EOF),
//                          a GET retried once on a connection found expired.
// Only the timeouts are set (connect 2 s, read 5 s, as the harness's Python client), so a lost
// request cannot hang the run; the JDK client is told HTTP/1.1 (its default, HTTP/2, sends an
// h2c upgrade on plain http, which is not the keep-alive traffic HAProxy is validated with).
//
// Each of --clients "clients" is one library client instance with its own pool, as one client
// host of the simulator. The workload is the harness's (teardown.validation.client):
//   closed   --concurrency threads per client: first a think time, then request, think, ...
//   poisson  arrivals at --rate over all clients, each to a random client
//   onoff    poisson while "on"; on and off periods exponential with means --on-us, --off-us
// Arrivals stop at --max-requests started or --duration-us, whichever first; then the requests
// in flight are awaited (each bounded by the timeouts).
//
// Each request's final outcome (after the library's own retries, which are invisible to the
// application as they are in production) is counted: success, or a failure kind named as the
// Python client names it (eof_before_response, reset_on_read, reset_on_write, http_5xx,
// eof_mid_response, timeout, connect_failed, pool_timeout, other_error), from the exception's
// class and message along its cause chain. Where the library tells (OkHttp's EventListener,
// Apache's connection factory), the connections it opened are counted too.
//
// Protocol: prints {"ready":true,...} once the clients are built, waits for a line "go" on stdin,
// runs the load, prints one JSON line with the counts and exits (EOF on stdin exits at once).
//
// Usage: java -cp <jars>:<dir> TeardownClient --library L --port P [--clients N]
//          [--arrival closed|poisson|onoff] [--rate R] [--think-mean-us T] [--think exponential|constant]
//          [--concurrency C] [--on-us A] [--off-us B] [--max-requests M] [--duration-us D] [--seed S]

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

public final class TeardownClient {
    /** One library client instance: sends one GET and returns its status (throws on failure). */
    interface Lib {
        int get() throws Exception;

        void close() throws Exception;
    }

    static final int CONNECT_TIMEOUT_MS = 2000;
    static final int READ_TIMEOUT_MS = 5000;
    static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();

    static void count(String name) {
        COUNTS.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    // --- the three libraries ----------------------------------------------------------------

    static final class Apache implements Lib {
        final org.apache.http.impl.client.CloseableHttpClient client;
        final String url;

        Apache(String url) {
            this.url = url;
            // The default pool and retry handler of HttpClientBuilder; only the connection
            // factory is wrapped to count connects (it creates the same plain sockets).
            org.apache.http.config.Registry<org.apache.http.conn.socket.ConnectionSocketFactory> sockets =
                org.apache.http.config.RegistryBuilder.<org.apache.http.conn.socket.ConnectionSocketFactory>create()
                    .register("http", new CountingPlainSocketFactory())
                    .build();
            org.apache.http.impl.conn.PoolingHttpClientConnectionManager pool =
                new org.apache.http.impl.conn.PoolingHttpClientConnectionManager(sockets);
            org.apache.http.client.config.RequestConfig timeouts = org.apache.http.client.config.RequestConfig.custom()
                .setConnectTimeout(CONNECT_TIMEOUT_MS)
                .setSocketTimeout(READ_TIMEOUT_MS)
                .build();
            client = org.apache.http.impl.client.HttpClientBuilder.create()
                .setConnectionManager(pool)
                .setDefaultRequestConfig(timeouts)
                .build();
        }

        public int get() throws Exception {
            try (org.apache.http.client.methods.CloseableHttpResponse r =
                     client.execute(new org.apache.http.client.methods.HttpGet(url))) {
                org.apache.http.util.EntityUtils.consume(r.getEntity());
                return r.getStatusLine().getStatusCode();
            }
        }

        public void close() throws Exception {
            client.close();
        }
    }

    static final class CountingPlainSocketFactory extends org.apache.http.conn.socket.PlainConnectionSocketFactory {
        @Override
        public Socket connectSocket(
            int connectTimeout, Socket socket, org.apache.http.HttpHost host, InetSocketAddress remote,
            InetSocketAddress local, org.apache.http.protocol.HttpContext context) throws IOException {
            count("connections_opened");
            return super.connectSocket(connectTimeout, socket, host, remote, local, context);
        }
    }

    static final class OkHttp implements Lib {
        final okhttp3.OkHttpClient client;
        final okhttp3.Request request;

        OkHttp(String url) {
            client = new okhttp3.OkHttpClient.Builder()
                .connectTimeout(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .readTimeout(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .eventListener(new okhttp3.EventListener() {
                    @Override
                    public void connectStart(okhttp3.Call call, InetSocketAddress a, java.net.Proxy p) {
                        count("connections_opened");
                    }
                })
                .build();
            request = new okhttp3.Request.Builder().url(url).build();
        }

        public int get() throws Exception {
            try (okhttp3.Response r = client.newCall(request).execute()) {
                okhttp3.ResponseBody body = r.body();
                if (body != null) {
                    body.bytes();
                }
                return r.code();
            }
        }

        public void close() {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    static final class Jdk implements Lib {
        final java.net.http.HttpClient client;
        final java.net.http.HttpRequest request;

        Jdk(String url) {
            client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MS))
                .build();
            request = java.net.http.HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMillis(READ_TIMEOUT_MS))
                .GET()
                .build();
        }

        public int get() throws Exception {
            return client.send(request, java.net.http.HttpResponse.BodyHandlers.ofByteArray()).statusCode();
        }

        public void close() {
            // java.net.http.HttpClient has no close() before JDK 21; its threads are daemons.
        }
    }

    static Lib make(String library, String url) {
        switch (library) {
            case "apache-httpclient-4.5": return new Apache(url);
            case "okhttp-3": return new OkHttp(url);
            case "jdk-httpclient-17": return new Jdk(url);
            default: throw new IllegalArgumentException("unknown library " + library);
        }
    }

    static String version(String library) {
        switch (library) {
            case "apache-httpclient-4.5":
                org.apache.http.util.VersionInfo v = org.apache.http.util.VersionInfo.loadVersionInfo(
                    "org.apache.http.client", TeardownClient.class.getClassLoader());
                return v == null ? "4.5" : v.getRelease();
            case "okhttp-3": return okhttp3.internal.Version.userAgent().replace("okhttp/", "");
            default: return System.getProperty("java.version");
        }
    }

    // --- outcomes ---------------------------------------------------------------------------

    /** The Python client's failure kind for what the library threw, from its cause chain. */
    static String kind(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            String msg = String.valueOf(t.getMessage());
            if (t instanceof ConnectException) return "connect_failed";
            if (name.endsWith("ConnectionPoolTimeoutException")) return "pool_timeout";
            if (t instanceof SocketTimeoutException || name.endsWith("HttpTimeoutException")) return "timeout";
            if (msg.contains("Broken pipe")) return "reset_on_write";
            if (msg.contains("Connection reset")) return "reset_on_read";
            if (name.endsWith("NoHttpResponseException") || msg.contains("unexpected end of stream")
                || msg.contains("header parser received no bytes") || name.endsWith("ConnectionExpiredException")) {
                return "eof_before_response";
            }
            if (name.endsWith("ConnectionClosedException") || name.endsWith("TruncatedChunkException")
                || msg.contains("Premature end") || msg.contains("EOF reached")) {
                return "eof_mid_response";
            }
        }
        return "other_error";
    }

    static final AtomicInteger STARTED = new AtomicInteger();
    static final Map<String, String> EXAMPLES = new ConcurrentHashMap<>();

    static void execute(Lib lib) {
        try {
            int status = lib.get();
            count(status >= 500 ? "http_5xx" : "completed");
        } catch (Exception e) {
            String k = kind(e);
            count(k);
            EXAMPLES.putIfAbsent(k, e.getClass().getName() + ": " + e.getMessage());
        }
    }

    /** Take one request slot, or false once max requests have started or the time is up. */
    static boolean take(int max, long stopAt) {
        if (System.nanoTime() >= stopAt) return false;
        while (true) {
            int n = STARTED.get();
            if (n >= max) return false;
            if (STARTED.compareAndSet(n, n + 1)) return true;
        }
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    // --- main -------------------------------------------------------------------------------

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new TreeMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) a.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        String library = a.get("library");
        int clients = Integer.parseInt(a.getOrDefault("clients", "4"));
        String arrival = a.getOrDefault("arrival", "closed");
        double rate = Double.parseDouble(a.getOrDefault("rate", "100"));
        double think = Double.parseDouble(a.getOrDefault("think-mean-us", "1000000")) * 1e-6;
        boolean thinkExp = !"constant".equals(a.getOrDefault("think", "exponential"));
        int concurrency = Integer.parseInt(a.getOrDefault("concurrency", "1"));
        double on = Double.parseDouble(a.getOrDefault("on-us", "1000000")) * 1e-6;
        double off = Double.parseDouble(a.getOrDefault("off-us", "1000000")) * 1e-6;
        int max = Integer.parseInt(a.getOrDefault("max-requests", "2000"));
        double duration = Double.parseDouble(a.getOrDefault("duration-us", "4000000")) * 1e-6;
        long seed = Long.parseLong(a.getOrDefault("seed", "0"));
        String url = "http://127.0.0.1:" + a.get("port") + "/";

        List<Lib> libs = new ArrayList<>();
        for (int i = 0; i < clients; i++) libs.add(make(library, url));
        System.out.println("{\"ready\":true,\"library\":\"" + library + "\",\"version\":\"" + version(library)
            + "\",\"java\":\"" + System.getProperty("java.version") + "\"}");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = in.readLine();
        if (line == null || !line.trim().equals("go")) System.exit(0);
        Thread watchdog = new Thread(() -> {  // EOF on stdin: the harness is gone
            try {
                while (in.readLine() != null) { /* ignore */ }
            } catch (IOException ignored) { }
            System.exit(0);
        });
        watchdog.setDaemon(true);
        watchdog.start();

        long t0 = System.nanoTime();
        long stopAt = t0 + (long) (duration * 1e9);
        if (arrival.equals("closed")) {
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                for (int j = 0; j < concurrency; j++) {
                    Lib lib = libs.get(i);
                    Random rng = new Random(seed * 7919 + i * 31L + j);
                    Thread t = new Thread(() -> {
                        try {
                            // The first request after one think time (as the simulator's closed
                            // loop), never a pause that ends past the end of the load.
                            double pause = thinkExp ? -Math.log(1 - rng.nextDouble()) * think : think;
                            while (System.nanoTime() + (long) (pause * 1e9) < stopAt) {
                                sleepUntil(System.nanoTime() + (long) (pause * 1e9));
                                if (!take(max, stopAt)) return;
                                execute(lib);
                                pause = thinkExp ? -Math.log(1 - rng.nextDouble()) * think : think;
                            }
                        } catch (InterruptedException ignored) { }
                    }, "client" + i + "-" + j);
                    threads.add(t);
                    t.start();
                }
            }
            for (Thread t : threads) t.join((long) (duration * 1000) + 30000);
        } else {
            Random rng = new Random(seed);
            ExecutorService pool = Executors.newFixedThreadPool(clients * 4 + 4);
            double at = 0, burstEnd = arrival.equals("onoff") ? -Math.log(1 - rng.nextDouble()) * on : Double.MAX_VALUE;
            while (true) {
                at += -Math.log(1 - rng.nextDouble()) / rate;
                while (at >= burstEnd) {  // the gap crossed the end of a burst: skip the silence
                    double quiet = -Math.log(1 - rng.nextDouble()) * off;
                    at = burstEnd + quiet + -Math.log(1 - rng.nextDouble()) / rate;
                    burstEnd = burstEnd + quiet + -Math.log(1 - rng.nextDouble()) * on;
                }
                if (at >= duration) break;
                sleepUntil(t0 + (long) (at * 1e9));
                if (!take(max, stopAt)) break;
                Lib lib = libs.get(rng.nextInt(clients));
                pool.submit(() -> execute(lib));
            }
            pool.shutdown();
            pool.awaitTermination((long) (duration * 1000) + 30000, TimeUnit.MILLISECONDS);
        }
        double wall = (System.nanoTime() - t0) * 1e-9;
        StringBuilder out = new StringBuilder("{\"started\":" + STARTED.get() + ",\"wall\":" + wall + ",\"counts\":{");
        String sep = "";
        for (Map.Entry<String, LongAdder> e : new TreeMap<>(COUNTS).entrySet()) {
            out.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue().sum());
            sep = ",";
        }
        out.append("},\"examples\":{");
        sep = "";
        for (Map.Entry<String, String> e : new TreeMap<>(EXAMPLES).entrySet()) {
            out.append(sep).append('"').append(e.getKey()).append("\":\"").append(json(e.getValue())).append('"');
            sep = ",";
        }
        out.append("}}");
        System.out.println(out);
        System.out.flush();
        for (Lib lib : libs) lib.close();
        System.exit(0);
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(' ');
            else b.append(c);
        }
        return b.toString();
    }
}
