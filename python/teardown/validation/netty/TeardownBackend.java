// A real Netty 4 HTTP/1.1 backend for teardown's validation harness (issue 16, deliverable 5).
//
// One JVM serves K servers; each server has its own boss group (1 loop, accepts) and its own
// worker group (NioEventLoopGroup(N)), as a Netty application with `new NioEventLoopGroup(1)` and
// `new NioEventLoopGroup(N)` does. A request is answered on the channel's event loop: the handler
// spends the service time on the loop (blocking it, as a handler doing work on the I/O thread),
// then writes a Content-Length response with writeAndFlush and, by policy,
//   - keeps the connection ("forever"), or closes it when idle for a time (IdleStateHandler), or
//   - closes it after the response: ChannelFutureListener.CLOSE on the write future, or, with a
//     close delay, a close scheduled on the channel's own event loop once the write completed.
// A request with `Connection: close` (HttpUtil.isKeepAlive false) is answered and closed likewise.
//
// Counters are what the application sees. An IOException reaching exceptionCaught whose message
// is "Connection reset" / "Connection reset by peer" is counted as a reset, the way the field
// reports count the WARN lines they log there (split by whether the channel carried a request:
// health checks do not); "Broken pipe" as EPIPE; a channel that goes inactive without an error
// and without the application closing it as EOF from the peer.
//
// Control: one command per line on stdin, one JSON line per answer on stdout.
//   snapshot -> {"servers":[{counters}...]}
//   times    -> {"requests":[[s...]...],"resets":[[s...]...]}   (System.nanoTime()/1e9, i.e.
//               CLOCK_MONOTONIC, the clock of Python's time.monotonic())
//   messages -> {"servers":[{"<exception class>: <message>":count}...]}
//   stop     -> {"stopped":true}, then the JVM exits. EOF on stdin stops it too.
// On start it prints {"ready":true,"ports":[...],"up":[...],"netty":"...","java":"..."}.
//
// Usage: java -cp <netty jars>:<dir> TeardownBackend --servers K --loops N
//          [--keep-alive forever|close-after-response|<seconds>] [--close-delay-us D]
//          [--service constant|exponential] [--service-mean-us M] [--response-size B]
//          [--seed S] [--warmup R] [--port P]...

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.Version;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

public final class TeardownBackend {

    /** How every server serves and closes (times in nanoseconds). */
    static final class Policy {
        boolean closeAfterResponse;
        long idleNanos; // > 0: close a connection idle this long; 0: keep forever
        long closeDelayNanos;
        boolean exponential;
        long serviceMeanNanos;
        byte[] body = new byte[2048];
        long seed;
        int warmup = 200;
    }

    /** A growable array of longs, appended to by many loops; read by the control thread. */
    static final class Times {
        private long[] data = new long[1024];
        private int size;

        synchronized void add(long t) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = t;
        }

        synchronized long[] copy() {
            return Arrays.copyOf(data, size);
        }

        synchronized void clear() {
            size = 0;
        }
    }

    /** What one server's application observed. */
    static final class Stats {
        static final String[] NAMES = {
            "accepted", "requests", "resets", "resets_no_request", "epipe", "peer_eof",
            "closed_by_app", "connections_with_request", "exceptions", "exceptions_other",
        };
        final AtomicLong[] counters = new AtomicLong[NAMES.length];
        final Times requestTimes = new Times();
        final Times resetTimes = new Times();
        final Map<String, LongAdder> messages = new ConcurrentHashMap<>();
        final AtomicInteger open = new AtomicInteger();

        Stats() {
            for (int i = 0; i < NAMES.length; i++) {
                counters[i] = new AtomicLong();
            }
        }

        void add(String name) {
            counters[Arrays.asList(NAMES).indexOf(name)].incrementAndGet();
        }

        void clear() {
            for (AtomicLong c : counters) {
                c.set(0);
            }
            requestTimes.clear();
            resetTimes.clear();
            messages.clear();
        }

        String json() {
            StringBuilder sb = new StringBuilder("{");
            for (int i = 0; i < NAMES.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append('"').append(NAMES[i]).append("\":").append(counters[i].get());
            }
            return sb.append('}').toString();
        }
    }

    /** One connection's handler (one instance per channel, so its fields are per connection). */
    static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Policy policy;
        private final Stats stats;
        private final Random rng;
        private long requests;
        private boolean closing;
        private boolean closedByApp;
        private boolean errored;

        Handler(Policy policy, Stats stats, long seed) {
            this.policy = policy;
            this.stats = stats;
            this.rng = new Random(seed);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            stats.add("accepted");
            stats.open.incrementAndGet();
            super.channelActive(ctx);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (closing) {
                return; // a close is pending: later requests get no answer
            }
            serviceTime();
            boolean close = policy.closeAfterResponse || !HttpUtil.isKeepAlive(request);
            FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(policy.body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, policy.body.length);
            if (close) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            if (requests == 0) {
                stats.add("connections_with_request");
            }
            requests++;
            stats.add("requests");
            stats.requestTimes.add(System.nanoTime());
            ChannelFuture written = ctx.writeAndFlush(response);
            // A failed write (EPIPE, ECONNRESET on send) fails the future, not exceptionCaught.
            written.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    count(f.cause());
                }
            });
            if (!close) {
                return;
            }
            closing = true;
            if (policy.closeDelayNanos <= 0) {
                // The field's idiom. Listeners run in order: count the close, then CLOSE.
                written.addListener((ChannelFutureListener) f -> closedByApp = f.isSuccess());
                written.addListener(ChannelFutureListener.CLOSE);
            } else {
                written.addListener((ChannelFutureListener) f -> f.channel().eventLoop().schedule(
                    () -> appClose(f.channel()), policy.closeDelayNanos, TimeUnit.NANOSECONDS));
            }
        }

        private void serviceTime() {
            long mean = policy.serviceMeanNanos;
            if (mean <= 0) {
                return;
            }
            long nanos = policy.exponential ? (long) (-Math.log(1.0 - rng.nextDouble()) * mean) : mean;
            long deadline = System.nanoTime() + nanos;
            for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left); // blocks the event loop, as work on the I/O thread does
            }
        }

        private void appClose(Channel channel) {
            if (channel.isOpen()) {
                closedByApp = true;
                channel.close();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                appClose(ctx.channel());
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            count(cause);
            ctx.close();
        }

        /** Count one exception the application saw, by what it says (the field's log lines). */
        private void count(Throwable cause) {
            errored = true;
            stats.add("exceptions");
            String message = String.valueOf(cause.getMessage());
            stats.messages.computeIfAbsent(cause.getClass().getName() + ": " + message, k -> new LongAdder())
                .increment();
            if (cause instanceof IOException && message.contains("Connection reset")) {
                stats.add(requests > 0 ? "resets" : "resets_no_request");
                stats.resetTimes.add(System.nanoTime());
            } else if (cause instanceof IOException && message.contains("Broken pipe")) {
                stats.add("epipe");
            } else {
                stats.add("exceptions_other");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (closedByApp) {
                stats.add("closed_by_app");
            } else if (!errored) {
                stats.add("peer_eof"); // Netty closes the channel when a read returns EOF
            }
            stats.open.decrementAndGet();
            super.channelInactive(ctx);
        }
    }

    /** One server: its own boss and worker groups, as one Netty application. */
    static final class Server {
        final Stats stats = new Stats();
        final EventLoopGroup boss = new NioEventLoopGroup(1);
        final EventLoopGroup workers;
        final AtomicLong channelSeq = new AtomicLong();
        Channel listener;
        long upAt;

        Server(int loops) {
            workers = new NioEventLoopGroup(loops);
        }

        void start(Policy policy, int index, int port) throws InterruptedException {
            long seedBase = policy.seed * 1_000_003L + index * 7919L;
            ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (policy.idleNanos > 0) {
                            p.addLast(new IdleStateHandler(0, 0, policy.idleNanos, TimeUnit.NANOSECONDS));
                        }
                        p.addLast(new HttpServerCodec());
                        p.addLast(new HttpObjectAggregator(1 << 20));
                        p.addLast(new Handler(policy, stats, seedBase + channelSeq.incrementAndGet()));
                    }
                });
            listener = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            upAt = System.nanoTime();
        }

        int port() {
            return ((InetSocketAddress) listener.localAddress()).getPort();
        }

        void stop() {
            if (listener != null) {
                listener.close().awaitUninterruptibly(1000);
            }
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static Policy parse(String[] args, List<Integer> ports, int[] shape) {
        Policy p = new Policy();
        for (int i = 0; i < args.length; i += 2) {
            String key = args[i];
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (key) {
                case "--servers" -> shape[0] = Integer.parseInt(value);
                case "--loops" -> shape[1] = Integer.parseInt(value);
                case "--port" -> ports.add(Integer.parseInt(value));
                case "--keep-alive" -> {
                    if (value.equals("close-after-response")) {
                        p.closeAfterResponse = true;
                    } else if (!value.equals("forever")) {
                        p.idleNanos = (long) (Double.parseDouble(value) * 1e9);
                    }
                }
                case "--close-delay-us" -> p.closeDelayNanos = (long) (Double.parseDouble(value) * 1e3);
                case "--service" -> {
                    if (!value.equals("constant") && !value.equals("exponential")) {
                        throw new IllegalArgumentException("--service: constant or exponential, got " + value);
                    }
                    p.exponential = value.equals("exponential");
                }
                case "--service-mean-us" -> p.serviceMeanNanos = (long) (Double.parseDouble(value) * 1e3);
                case "--response-size" -> p.body = new byte[Integer.parseInt(value)];
                case "--seed" -> p.seed = Long.parseLong(value);
                case "--warmup" -> p.warmup = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown argument " + key);
            }
        }
        Arrays.fill(p.body, (byte) 'x');
        return p;
    }

    /** Serve `count` requests, each on its own connection, so the JIT compiles the request path. */
    private static void warmUp(Server server, int count) throws IOException, InterruptedException {
        byte[] request = ("GET /warmup HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[65536];
        for (int i = 0; i < count; i++) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                InputStream in = s.getInputStream();
                while (in.read(buf) >= 0) {
                    // read to the server's close
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (server.stats.open.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        server.stats.clear();
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String seconds(long[] nanos) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < nanos.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(nanos[i] / 1_000_000_000L).append('.');
            String frac = Long.toString(nanos[i] % 1_000_000_000L);
            sb.append("000000000", 0, 9 - frac.length()).append(frac);
        }
        return sb.append(']').toString();
    }

    private static String answer(String command, List<Server> servers) {
        List<String> parts = new ArrayList<>();
        switch (command) {
            case "snapshot" -> {
                for (Server s : servers) {
                    parts.add(s.stats.json());
                }
                return "{\"servers\":[" + String.join(",", parts) + "]}";
            }
            case "times" -> {
                List<String> resets = new ArrayList<>();
                for (Server s : servers) {
                    parts.add(seconds(s.stats.requestTimes.copy()));
                    resets.add(seconds(s.stats.resetTimes.copy()));
                }
                return "{\"requests\":[" + String.join(",", parts) + "],\"resets\":["
                    + String.join(",", resets) + "]}";
            }
            case "messages" -> {
                for (Server s : servers) {
                    List<String> items = new ArrayList<>();
                    for (Map.Entry<String, LongAdder> e : new TreeMap<>(s.stats.messages).entrySet()) {
                        items.add(jsonString(e.getKey()) + ":" + e.getValue().sum());
                    }
                    parts.add("{" + String.join(",", items) + "}");
                }
                return "{\"servers\":[" + String.join(",", parts) + "]}";
            }
            default -> {
                return "{\"error\":" + jsonString("unknown command " + command) + "}";
            }
        }
    }

    public static void main(String[] args) throws Exception {
        List<Integer> ports = new ArrayList<>();
        int[] shape = {1, 2};
        Policy policy = parse(args, ports, shape);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<Server> servers = new ArrayList<>();
        try {
            for (int i = 0; i < shape[0]; i++) {
                Server s = new Server(Math.max(1, shape[1]));
                servers.add(s);
                s.start(policy, i, i < ports.size() ? ports.get(i) : 0);
            }
            for (Server s : servers) {
                warmUp(s, policy.warmup);
            }
            List<String> bound = new ArrayList<>();
            List<String> up = new ArrayList<>();
            for (Server s : servers) {
                bound.add(Integer.toString(s.port()));
                up.add(seconds(new long[] {s.upAt}).replaceAll("[\\[\\]]", ""));
            }
            String netty = Version.identify().getOrDefault("netty-transport", null) == null
                ? "unknown" : Version.identify().get("netty-transport").artifactVersion();
            out.println("{\"ready\":true,\"ports\":[" + String.join(",", bound) + "],\"up\":["
                + String.join(",", up) + "],\"netty\":" + jsonString(netty) + ",\"java\":"
                + jsonString(System.getProperty("java.version")) + "}");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String command = line.trim();
                if (command.equals("stop")) {
                    break;
                }
                if (!command.isEmpty()) {
                    out.println(answer(command, servers));
                }
            }
        } finally {
            for (Server s : servers) {
                s.stop();
            }
            for (Server s : servers) {
                s.boss.terminationFuture().awaitUninterruptibly(3000);
                s.workers.terminationFuture().awaitUninterruptibly(3000);
            }
            out.println("{\"stopped\":true}");
        }
        System.exit(0);
    }
}
