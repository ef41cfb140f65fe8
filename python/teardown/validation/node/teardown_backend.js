// A real Node.js http.Server backend for teardown's validation harness (issue 20).
//
// One node process serves K servers, each an http.createServer() with Node's DEFAULTS unless a
// flag overrides them: keepAliveTimeout 5 s (an idle keep-alive socket is destroyed 5 s after its
// last response) and the "Keep-Alive: timeout=5" header on every keep-alive response. These
// defaults are the classic incident behind a proxy that keeps idle server connections longer.
// Responses carry Content-Length; "--keep-alive close-after-response" answers with
// "Connection: close" instead (Node then ends the socket after the response).
//
// Counters are what a Node application can see: 'connection' events (accepted), requests, sockets
// that carried a request, socket errors ECONNRESET (split by whether the socket carried a request)
// and EPIPE, and sockets ended by the peer ('end': EOF received).
//
// Control: one command per line on stdin, one JSON line per answer on stdout.
//   snapshot -> {"servers":[{counters}...]}
//   times    -> {"requests":[[s...]...],"resets":[[s...]...]}   (process.hrtime: CLOCK_MONOTONIC,
//               the clock of Python's time.monotonic())
//   messages -> {"servers":[{"<code>: <message>":count}...]}
//   stop     -> {"stopped":true}, then the process exits. EOF on stdin stops it too.
// On start it prints {"ready":true,"ports":[...],"up":[...],"node":"..."}.
//
// Usage: node teardown_backend.js --servers K [--keep-alive default|forever|close-after-response|<seconds>]
//          [--service-mean-us M] [--response-size B]
//        node teardown_backend.js --probe 1
// --probe: serve one keep-alive request to itself with Node's defaults and print
// {"keep_alive_timeout_ms":..., "idle_close_ms":...}: the timeout the server is configured with
// and the one its idle socket really gets after a response (Node 20 adds a 1 s buffer).

'use strict';
const http = require('http');
const readline = require('readline');

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const count = Number(args.servers || 1);
const keepAlive = args['keep-alive'] || 'default';
const serviceMs = Number(args['service-mean-us'] || 0) / 1000;
const body = Buffer.alloc(Number(args['response-size'] || 2048), 'x');

const now = () => Number(process.hrtime.bigint()) / 1e9;

if (args.probe) {
  const probe = http.createServer((req, res) => {
    res.on('finish', () => setImmediate(() => {
      process.stdout.write(JSON.stringify({
        keep_alive_timeout_ms: probe.keepAliveTimeout, idle_close_ms: req.socket.timeout,
      }) + '\n', () => process.exit(0));
    }));
    res.end('x');
  });
  probe.listen(0, '127.0.0.1', () => {
    const agent = new http.Agent({ keepAlive: true });
    http.get({ host: '127.0.0.1', port: probe.address().port, agent }, (r) => r.resume());
  });
  setTimeout(() => process.exit(3), 10000).unref();
  return;
}

function makeServer() {
  const stats = {
    accepted: 0, requests: 0, connections_with_request: 0, resets: 0, resets_no_request: 0,
    epipe: 0, peer_eof: 0, closed_by_app: 0, exceptions: 0, exceptions_other: 0,
  };
  const requestTimes = [];
  const resetTimes = [];
  const messages = {};
  const server = http.createServer((req, res) => {
    stats.requests += 1;
    requestTimes.push(now());
    const sock = req.socket;
    if (!sock.teardownCarried) {
      sock.teardownCarried = true;
      stats.connections_with_request += 1;
    }
    req.resume();
    const answer = () => {
      const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length };
      if (keepAlive === 'close-after-response') headers.Connection = 'close';
      res.writeHead(200, headers);
      res.end(body);
    };
    if (serviceMs > 0) setTimeout(answer, serviceMs);
    else answer();
  });
  if (keepAlive === 'forever') server.keepAliveTimeout = 0;
  else if (keepAlive !== 'default' && keepAlive !== 'close-after-response') {
    server.keepAliveTimeout = Number(keepAlive) * 1000;
  }
  server.on('connection', (sock) => {
    stats.accepted += 1;
    sock.on('end', () => { stats.peer_eof += 1; });
    sock.on('error', (err) => {
      const key = `${err.code}: ${err.message}`;
      messages[key] = (messages[key] || 0) + 1;
      stats.exceptions += 1;
      if (err.code === 'ECONNRESET') {
        if (sock.teardownCarried) {
          stats.resets += 1;
          resetTimes.push(now());
        } else {
          stats.resets_no_request += 1;
        }
      } else if (err.code === 'EPIPE') {
        stats.epipe += 1;
      } else {
        stats.exceptions_other += 1;
      }
    });
  });
  // Without a listener Node answers a socket error with "400 Bad Request" and destroys the
  // socket; an application that logs it does the same, so only count here.
  server.on('clientError', (err, sock) => { sock.destroy(); });
  return { server, stats, requestTimes, resetTimes, messages };
}

const servers = [];
for (let i = 0; i < count; i++) servers.push(makeServer());
const up = [];
let listening = 0;
for (const s of servers) {
  s.server.listen(0, '127.0.0.1', () => {
    up.push(now());
    listening += 1;
    if (listening === count) {
      const ports = servers.map((x) => x.server.address().port);
      process.stdout.write(JSON.stringify({ ready: true, ports, up, node: process.version }) + '\n');
    }
  });
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'snapshot') {
    process.stdout.write(JSON.stringify({ servers: servers.map((s) => s.stats) }) + '\n');
  } else if (cmd === 'times') {
    process.stdout.write(JSON.stringify({
      requests: servers.map((s) => s.requestTimes), resets: servers.map((s) => s.resetTimes),
    }) + '\n');
  } else if (cmd === 'messages') {
    process.stdout.write(JSON.stringify({ servers: servers.map((s) => s.messages) }) + '\n');
  } else if (cmd === 'stop') {
    process.stdout.write(JSON.stringify({ stopped: true }) + '\n', () => process.exit(0));
  } else if (cmd) {
    process.stdout.write(JSON.stringify({ error: `unknown command ${cmd}` }) + '\n');
  }
});
rl.on('close', () => process.exit(0));
