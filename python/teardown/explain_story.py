"""The accounts ``td.explain`` prints: a failed client request, or a reset seen by a backend.

Each step names the rule of docs/model.md that produced it (§1 T1-T14 for TCP, §2 for the proxy,
§3 clients, §4 backends).
"""

from __future__ import annotations

from teardown.advise import facts
from teardown.scenario import Scenario
from teardown.traces import BackendReset, Failure, Record, TraceView

__all__ = ["failure_story", "reset_story"]

MODES = "§2 'Modes and what happens at the end of each response'"
CLOSES = "§2 'How each kind of close is done'"
RST_RULES = {
    "close-with-unread-data": "T5, close() with unread data sends RST instead of FIN",
    "linger-zero": "T6, close() with SO_LINGER 0 sends RST",
    "data-to-orphan": "T7, data arriving at a socket its application has closed is answered with RST",
    "no-such-connection": "T8, a segment for a socket that no longer exists is answered with RST",
    "middlebox-idle": "M2/M3, a middlebox answers a segment of a flow it forgot, idle too long, with RST",
}
MS = 1_000_000


def _t(record: Record | int) -> str:
    ns = record.ns if isinstance(record, Record) else record
    return f"{ns / 1e9:.6f} s"


def _span(ns: int) -> str:
    return f"{ns / 1e9:.3f} s" if ns >= MS * 1000 else f"{ns / 1e6:.3f} ms"


def _steps(steps: list[tuple[int, str]]) -> list[str]:
    return [f"  {i}. {_t(ns)}  {text}" for i, (ns, text) in enumerate(steps, 1)]


def _find(
    records: list[Record],
    side: int,
    what: str | tuple[str, ...],
    flag: str | None = None,
    after: int = -1,
    before: int | None = None,
    last: bool = False,
) -> Record | None:
    whats = (what,) if isinstance(what, str) else what
    hits = [
        r
        for r in records
        if r.side == side
        and r.what in whats
        and (flag is None or r.has(flag))
        and r.ns >= after
        and (before is None or r.ns <= before)
    ]
    if not hits:
        return None
    return hits[-1] if last else hits[0]


# --- a failed client request -------------------------------------------------------------------


def failure_story(view: TraceView, s: Scenario, f: Failure, total: int, traced: str) -> str:
    records = view.records[f.connection]
    client, req = f.client, f.request
    last_reply = _find(records, 1, "sent", "DATA", before=req.ns, last=True)
    after = last_reply.ns if last_reply is not None else -1
    proxy_close = _find(records, 1, ("close", "abort", "shutdown"), after=after, before=f.seen.ns)
    fin_sent = _find(records, 1, "sent", "FIN", after=after, before=f.seen.ns)
    hard = _find(records, 1, "abort", after=after, before=f.seen.ns)
    previous = _find(records, 0, "arrived", "DATA", before=req.ns, last=True)
    opened = _find(records, 0, "sent", "SYN")
    answer = _find(records, 1, "sent", "RST", after=req.ns)
    proxy = view.name(f.connection, 1)  # "proxy", or "proxy-<k>" with several instances
    lines = [
        f"Failed request {f.number} of {total} ({traced}).",
        f"{client}'s request on connection {f.connection} ({client} -> {proxy}), sent at {_t(req)}, "
        f"got {f.saw}.",
        "",
        f"Ladder of connection {f.connection} ({client} -> {proxy}):",
        view.result.ladder(f.connection).rstrip("\n"),
        "",
        "What happened:",
    ]
    steps: list[tuple[int, str]] = []
    if previous is not None:
        steps.append(
            (
                previous.ns,
                f"{client} received the response to request {f.requests_before} on this connection; "
                f"the connection went back to {client}'s pool, idle.",
            )
        )
    elif opened is not None:
        steps.append((opened.ns, f"{client} opened the connection."))
    race = ""
    if proxy_close is not None:
        timer_text, how = _proxy_close(records, s, proxy_close, fin_sent, hard)
        steps.append((proxy_close.ns, f"{timer_text} {how}"))
        if f.fin_arrived is not None and f.fin_arrived.ns <= req.ns:
            steps.append(
                (
                    f.fin_arrived.ns,
                    f"the FIN reached {client} ({f.fin_arrived.state_after}). The pool does not "
                    "watch idle connections, so nobody noticed (docs/model.md §3 'Clients').",
                )
            )
            race = 'the row "t >= T + d": the FIN had already arrived when the request was sent'
        elif f.fin_arrived is not None:
            race = (
                'the row "T - d <= t < T + d": the request was in flight across the close, '
                "the FIN still on its way"
            )
        elif answer is not None and answer.rule == "close-with-unread-data":
            race = "the row where the request lands just before T and is still unread: RST without FIN"
    if f.reset_arrived is not None:
        steps.append(
            (
                f.reset_arrived.ns,
                f"the proxy's RST reached {client} while the connection sat idle in "
                f"the pool: {f.reset_arrived.state_after}, its next call to report {f.reset_arrived.error}; "
                "nobody noticed (docs/model.md §1 T10; §3 'Clients').",
            )
        )
        race = ""
    steps.append((req.ns, _request_text(s, client, req, previous, f)))
    if f.fin_arrived is not None and f.fin_arrived.ns > req.ns:
        steps.append(
            (
                f.fin_arrived.ns,
                f"the proxy's FIN reached {client} ({f.fin_arrived.state_after}), after the "
                "request had left: nothing can catch this one (docs/model.md §1 'The stale-reuse race').",
            )
        )
    if answer is not None:
        before = _find(
            records, 1, ("arrived", "sent", "close", "abort", "shutdown"), before=req.ns, last=True
        )
        where = f", where its socket was an orphan in {before.state_after}" if before and proxy_close else ""
        steps.append(
            (
                answer.ns,
                f"the request reached the proxy's host{where}: the kernel answered with RST — "
                f"rule {RST_RULES.get(answer.rule, answer.rule)} ({answer.rule}; docs/model.md §1).",
            )
        )
    if not f.on_write:
        steps.append((f.seen.ns, _client_saw(client, f)))
    lines += _steps(steps)
    server = view.forwarded_to(f.connection, req)
    lines += [
        "",
        "What each application saw:",
        f"  {client}: {f.saw} — the failure"
        + (" (client.eof_before_response)." if f.saw.startswith("end of stream") else "."),
        "  proxy: "
        + (
            f"nothing; its application had closed the connection at {_t(proxy_close)}"
            + ("." if f.on_write else " and its kernel answered.")
            if proxy_close is not None and proxy_close.ns < req.ns
            else "it closed the connection with the request unread."
        ),
        "  backends: "
        + (
            "nothing; the request never left the proxy."
            if server is None
            else f"the request, on connection {server} to {view.name(server, 1)}."
        ),
    ]
    if f.on_write:
        lines += [
            "",
            "Which rule: an RST that reaches an idle pooled connection is noticed only at its next use: the "
            "write reports the reset (docs/model.md §1 T10, T12; §3 'Clients').",
        ]
    if race:
        lines += [
            "",
            f"Which rule: the stale-reuse race of docs/model.md §1 ('The stale-reuse race'), {race}.",
        ]
    lines += ["", _failure_remedy(s)]
    return "\n".join(lines)


def _proxy_close(
    records: list[Record], s: Scenario, close: Record, fin: Record | None, hard: Record | None
) -> tuple[str, str]:
    """Which timer (or event) made the proxy close, and how it closed."""
    responded = _find(records, 1, "sent", "DATA", before=close.ns, last=True)
    accepted = _find(records, 1, "arrived", "SYN")
    start = responded or accepted
    idle = close.ns - start.ns if start is not None else 0
    timer = facts.client_idle_timer(s) if responded is not None else _first_request_timer(s)
    if timer is not None and abs(idle - timer.ns) <= max(MS, timer.ns // 100):
        name = "keep-alive timeout" if responded is not None else "first-request timeout"
        since = "since it sent the last response" if responded is not None else "since it accepted it"
        why = (
            f"the proxy's {name} ({timer}) fired at {_t(close)}: the connection had been idle for "
            f"{_span(idle)} "
            f"{since} (docs/model.md §2 'Timeouts and their fall-backs')."
        )
    elif facts.effective_mode(s) in ("tunnel", "tcp"):
        mode = facts.effective_mode(s)
        why = (
            f"the proxy closed its side at {_t(close)}, after {_span(idle)} idle: in {mode} mode it relays "
            f"the server's close to the client (docs/model.md {MODES})."
        )
    elif responded is not None and idle <= facts.duration_ns(s["proxy.processing_time"]) + MS:
        why = (
            f"right after sending the response, the proxy closed the connection at {_t(close)} "
            f"({facts.effective_mode(s)} mode, or a response carrying Connection: close; docs/model.md "
            f"{MODES})."
        )
    else:
        why = f"the proxy closed the connection at {_t(close)}, after {_span(idle)} idle."
    if close.what == "abort":
        how = f"It closed with RST (rule {RST_RULES.get(close.rule, close.rule)}; docs/model.md §1)."
        if s["proxy.nolinger"]:
            how += " option nolinger makes every close an RST (docs/model.md §2)."
    elif close.what == "shutdown" and hard is not None:
        how = (
            f"With option nolinger it shut down its side first (a FIN, docs/model.md §1 T3) and at "
            f"{_t(hard)} closed with SO_LINGER 0: an RST follows the FIN (rule {RST_RULES['linger-zero']}; "
            f"{CLOSES})."
        )
    elif close.what == "shutdown":
        how = "It shut down its side (SHUT_WR): a FIN, and it kept reading (docs/model.md §1 T3)."
    else:
        state = fin.state_after if fin else close.state_after
        how = (
            "It called close() with nothing unread: a FIN (docs/model.md §1 T2; "
            f"{CLOSES}: client_idle = FIN), and its socket became an orphan in {state}."
        )
    return why, how


def _first_request_timer(s: Scenario) -> facts.IdleTimer | None:
    for key in ("http_request", "client"):
        ns = facts.duration_ns(s[f"proxy.timeout.{key}"])
        if ns != facts.teardown.NEVER:
            return facts.IdleTimer("timeout " + key.replace("_", "-"), ns)
    return None


def _request_text(s: Scenario, client: str, req: Record, previous: Record | None, f: Failure) -> str:
    if f.on_write:
        error = f.reset_arrived.error if f.reset_arrived is not None else "an error"
        idle = f", after {_span(req.ns - previous.ns)} idle" if previous is not None else ""
        return (
            f"{client} took the connection from its pool for a request{idle}; the write failed at once with "
            f"{error}, before any byte left — a reset on write, counted in client.reset_on_write "
            "(docs/model.md §1 T12; §3 'Clients') — and the client closed the socket."
        )
    text = f"{client} sent a request ({req.bytes} bytes) on the connection"
    if previous is not None:
        text += f", reusing it after {_span(req.ns - previous.ns)} idle"
    if f.fin_arrived is not None and f.fin_arrived.ns <= req.ns:
        check = s["clients.pool.validate_after_inactivity"]
        text += f", {_span(req.ns - f.fin_arrived.ns)} after the FIN had arrived"
        text += (
            "; no stale check looked at it (validate_after_inactivity off)"
            if check == "off"
            else f"; the stale check (validate_after_inactivity {check}) does not run that early"
        )
    return text + "."


def _client_saw(client: str, f: Failure) -> str:
    seen = f.seen
    if seen.what == "arrived" and seen.has("RST"):
        text = f"the RST reached {client} ({seen.state_after})."
        if f.saw.startswith("end of stream"):
            text += (
                " The FIN had come first, so the HTTP client's read reported end of stream before any "
                "response "
                'byte: "no response" (HttpClient\'s NoHttpResponseException), counted in '
                "client.eof_before_response"
            )
            if seen.error not in ("", "none"):
                text += f"; the socket reports {seen.error} to later writes"
            return text + " (docs/model.md §1 T10, T12; §3 'Clients')."
        return text + (
            f" Without a FIN first, the application's read failed with {seen.error} — a reset on read, "
            "counted in client.reset_on_read (docs/model.md §1 T10, T12)."
        )
    return f"{client} closed the connection without a response ({seen.what})."


def _failure_remedy(s: Scenario) -> str:
    timer = facts.client_idle_timer(s)
    if timer is None:
        return "To avoid it: `teardown advise` ranks the known remedies for this setup."
    d = facts.duration_ns(s["network.client_proxy_delay"])
    p = facts.duration_ns(s["proxy.processing_time"])
    margin = _span(max(timer.ns - 2 * d - p, 0))
    return (
        f"To avoid it: let the client close idle connections first — clients.pool.idle_evict plus "
        f"clients.pool.evict_interval below {margin} ({timer.name} {timer.text} minus two one-way delays and "
        "the proxy's processing time, docs/model.md §5) — or raise the proxy's timeout above the clients' "
        "idle "
        "gaps, or retry on a new connection (clients.retries); `teardown advise` ranks these for this setup."
    )


# --- a reset seen by a backend -------------------------------------------------------------------


def reset_story(view: TraceView, s: Scenario, b: BackendReset, total: int, traced: str) -> str:
    records = view.records[b.connection]
    backend, arrived, sent = b.backend, b.arrived, b.sent
    served = view.served_client(b.connection)
    proxy = view.name(b.connection, 0)
    lines = [
        f"Backend reset {b.number} of {total} ({traced}).",
        f'{backend}\'s application saw "Connection reset by peer" ({arrived.error}) at {_t(arrived)} on '
        f"connection {b.connection} ({proxy} -> {backend}).",
        "",
        f"Ladder of connection {b.connection} ({proxy} -> {backend}):",
        view.result.ladder(b.connection).rstrip("\n"),
        "",
        "What happened:",
    ]
    steps: list[tuple[int, str]] = []
    syn = _find(records, 0, "sent", "SYN")
    request = _find(records, 0, "sent", "DATA", before=arrived.ns, last=True)
    if syn is not None:
        who = f" for {view.name(served[0], 0)}'s request (connection {served[0]})" if served else ""
        steps.append((syn.ns, f"the proxy opened connection {b.connection} to {backend}{who}."))
    if request is not None:
        steps.append((request.ns, f"the proxy sent the request ({request.bytes} bytes)."))
    response = _find(records, 1, "sent", "DATA", before=arrived.ns, last=True)
    if response is not None:
        steps.append((response.ns, f"{backend} sent the response; {_backend_policy(s)}."))
    landed = _find(records, 0, "arrived", "DATA", before=arrived.ns, last=True)
    abort = _find(records, 0, ("abort", "close"), before=arrived.ns, last=True)
    if landed is not None:
        steps.append((landed.ns, "the response reached the proxy."))
    kind = ""
    if abort is not None:
        why, kind = _why_proxy_closed(view, s, b, landed, abort)
        steps.append((abort.ns, f"{why}. {_how_proxy_closed(s, kind, abort, backend)}"))
    if sent is not None and sent.rule != "linger-zero":
        steps.append(
            (
                sent.ns,
                f"the proxy's host answered with RST: rule {RST_RULES.get(sent.rule, sent.rule)} "
                f"({sent.rule}; docs/model.md §1).",
            )
        )
    steps.append(
        (
            arrived.ns,
            f"the RST reached {backend} while its application still held the socket: "
            f"{arrived.state_after}, and the application's next call reported {arrived.error}, \"Connection "
            "reset by peer\" — counted in backend.resets (docs/model.md §1 T10; §4 'Backends').",
        )
    )
    lines += _steps(steps)
    client_line = "  clients: no traced client request is linked to this connection."
    if served is not None:
        client_conn, _ = served
        relayed = (
            landed is not None
            and _find(
                view.records[client_conn],
                1,
                "sent",
                "DATA",
                after=landed.ns,
                before=landed.ns + view.processing_ns(),
            )
            is not None
        )
        client_line = (
            f"  {view.name(client_conn, 0)}: its response"
            + (f", sent on at {_t(landed.ns + view.processing_ns())}" if relayed else "")
            + "; nothing failed on its side."
        )
    lines += [
        "",
        "What each application saw:",
        f'  {backend}: {arrived.error} ("Connection reset by peer")'
        + (", after it had sent its response." if response is not None else "."),
        "  proxy: nothing; the hard close was its own.",
        client_line,
        "",
        _reset_remedy(kind),
    ]
    return "\n".join(lines)


def _backend_policy(s: Scenario) -> str:
    keep = s["backends.keep_alive"]
    if facts.backend_closes_after_response(s):
        why = (
            "its keep_alive is close-after-response"
            if keep == "close-after-response"
            else "the proxy sent Connection: close"
        )
        return (
            f"it closes {s['backends.close_delay']} after writing ({why}; docs/model.md §4 'Backends'), "
            "so it had not closed yet"
        )
    told = (
        ", and with option http-pretend-keepalive it was not told to close (docs/model.md §2)"
        if facts.pretend_keepalive(s)
        else ""
    )
    policy = (
        "keeps connections open (keep_alive forever"
        if keep == "forever"
        else f"closes connections idle for {keep} (keep_alive"
    )
    return f"it {policy}; docs/model.md §4 'Backends'){told}, so it did not close"


def _why_proxy_closed(
    view: TraceView, s: Scenario, b: BackendReset, landed: Record | None, abort: Record
) -> tuple[str, str]:
    """Why the proxy closed the server connection, and which close kind of docs/model.md §2 it was."""
    mode = facts.effective_mode(s)
    after_response = landed is not None and abort.ns - landed.ns <= view.processing_ns() + MS
    if after_response and mode in ("server-close", "httpclose"):
        option = "http-server-close" if mode == "server-close" else "httpclose"
        why = (
            f"in {option} mode the proxy ends the server connection after each response "
            f"(server_end, docs/model.md {MODES})"
        )
        kind = "server_end"
    elif after_response and facts.pooled(s):
        why = (
            "the proxy did not keep the connection for reuse: it was not admitted to the idle pool "
            "(docs/model.md §2 'The 2.x idle pool') and was closed at once"
        )
        kind = "pool"
    elif after_response:
        why = (
            "the response said Connection: close, which ends the connection like server-close "
            "(docs/model.md §2)"
        )
        kind = "server_end"
    elif facts.pooled(s):
        why = (
            f"the idle-pool purge (every pool_purge_delay {s['proxy.pool_purge_delay']}) killed the idle "
            "connection (server_purge, docs/model.md §2 'The 2.x idle pool')"
        )
        kind = "server_purge"
    elif mode in ("tunnel", "tcp"):
        why = (
            f"in {mode} mode the proxy relays a close or an abort of the client side (docs/model.md {MODES})"
        )
        kind = "relay"
    elif (other := _switched_to(view, b.connection, abort.ns)) is not None:
        why = (
            f"the session's next request was balanced to {view.name(other, 1)} (connection {other}), so the "
            f"proxy closed its private connection to {b.backend} (server_switch, docs/model.md {MODES})"
        )
        kind = "server_switch"
    else:
        why = (
            "the session left its server: its client connection ended, so the proxy closed its private "
            "server connection (the client leaving, closed like server_switch)"
        )
        kind = "server_switch"
    return why, kind


def _how_proxy_closed(s: Scenario, kind: str, abort: Record, backend: str) -> str:
    """How that kind of close is done in this version (docs/model.md §2 'How each kind of close is done')."""
    if abort.what != "abort":
        return "It called close(), sending a FIN."
    how = _close_how(s, kind)
    rule = RST_RULES["linger-zero"]
    rst = f"close() with SO_LINGER 0 sent RST instead of FIN — rule {rule} (docs/model.md §1)"
    if s["proxy.nolinger"] and facts.close_how(s, "server_nolinger") == "rst":
        return f"option nolinger makes every close of the proxy an RST ({CLOSES}): {rst}."
    if s["proxy.nolinger"] and how != "rst":
        how = "linger-risk"  # 2.x nolinger: a close is hard unless the server's FIN was read
    if how == "linger-risk":
        return (
            f"HAProxy {s['proxy.version']} closes it hard unless the server's FIN has already been read "
            f"(linger-risk, {CLOSES}); no FIN from {backend} had been read, so {rst}."
        )
    return f"HAProxy {s['proxy.version']} closes it hard ({kind}: RST, {CLOSES}): {rst}."


def _close_how(s: Scenario, kind: str) -> str:
    """ "fin", "rst" or "linger-risk": the scenario's override, else the version preset (asked of
    the simulator's resolution, teardown/proxy_rules.hpp)."""
    if kind in ("pool", "relay"):
        return "linger-risk" if kind == "pool" else "rst"
    return facts.close_how(s, kind)


def _switched_to(view: TraceView, server: int, at: int) -> int | None:
    """Another traced server connection the proxy opened or sent a request on at the same instant."""
    for other in view.server_connections():
        if other == server:
            continue
        for r in view.records.get(other, []):
            if r.ns == at and r.side == 0 and r.what == "sent" and (r.has("SYN") or r.has("DATA")):
                return other
    return None


def _reset_remedy(kind: str) -> str:
    advise = "`teardown advise --objective backend-resets` ranks the remedies for this setup."
    if kind == "server_switch":
        return (
            "To avoid it: keep each session on its server (option prefer-last-server, docs/model.md §2 "
            "'Balancing') or let 2.x pool server connections (http-reuse safe or more); " + advise
        )
    if kind == "server_purge":
        return (
            "To avoid it: let the backend close idle connections first, with an idle timeout below the purge "
            "(a pooled connection whose server closed first is closed with FIN, docs/model.md §2); " + advise
        )
    return (
        "To avoid it: let the backend close first (so its FIN is read and the proxy closes with FIN, or its "
        "RST is absorbed, docs/model.md §1 T11) — backends that close right after writing (no "
        "pretend-keepalive, keep_alive close-after-response, a small close_delay) — or keep server "
        "connections open (keep-alive mode with backends that keep them); " + advise
    )
