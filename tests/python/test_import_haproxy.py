"""Importing a real haproxy.cfg: what each setup maps to, what is reported, what is refused."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest
import teardown
from teardown.errors import ConfigError
from teardown.haproxy_cfg import ImportResult, Unmapped, import_haproxy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "haproxy"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.cfg"))
VERSIONS = ("1.4", "1.5", "1.8", "2.0", "2.6")


def imported(tmp_path: Path, text: str, version: str = "2.6") -> ImportResult:
    """Imports ``text`` (dedented) written to tmp_path/haproxy.cfg."""
    path = tmp_path / "haproxy.cfg"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return import_haproxy(path, version=version)


def reasons(result: ImportResult) -> dict[int, str]:
    """Unmapped line number -> reason."""
    return {u.line: u.reason for u in result.unmapped}


def directive_lines(path: Path) -> set[int]:
    """Numbers of the lines that hold a directive (not blank, not only a comment)."""
    return {n for n, raw in enumerate(path.read_text().splitlines(), 1) if raw.split("#", 1)[0].strip()}


# ---- the example setups ------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.4", "1.5"])
def test_server_close_with_pretend_keepalive_in_defaults(version):
    result = import_haproxy(EXAMPLES / "server-close-pretend-keepalive.cfg", version=version)
    assert result.scenario == {
        "proxy": {
            "version": version,
            "mode": "http-server-close",
            "balance": "roundrobin",
            "pretend_keepalive": True,
            "maxconn": 4096,
            "timeout": {"client": "50s", "server": "50s", "connect": "5s"},
        },
        "backends": {"servers": 3},
    }
    assert any("global maxconn" in note for note in result.notes)


def test_keep_alive_with_a_short_client_keep_alive_timeout():
    result = import_haproxy(EXAMPLES / "keep-alive.cfg")
    assert result.scenario == {
        "proxy": {
            "version": "2.6",
            "mode": "http-keep-alive",
            "balance": "roundrobin",
            "maxconn": 10000,
            "timeout": {"client": "30s", "server": "30s", "connect": "5s", "http_keep_alive": "10s"},
        },
        "backends": {"servers": 3},
    }
    assert [(u.line, u.text) for u in result.unmapped] == [(16, "bind :8080")]


def test_the_teams_fix_prefer_last_server_leastconn_ten_minutes():
    result = import_haproxy(EXAMPLES / "prefer-last-server-leastconn.cfg")
    assert result.scenario == {
        "proxy": {
            "version": "2.6",
            "mode": "http-keep-alive",
            "balance": "leastconn",
            "prefer_last_server": True,
            "timeout": {"client": "10m", "server": "10m", "connect": "5s"},
        },
        "backends": {"servers": 3},
    }


def test_tcp_mode_with_leastconn_in_a_listen_section():
    result = import_haproxy(EXAMPLES / "tcp-leastconn.cfg")
    assert result.scenario == {
        "proxy": {
            "version": "2.6",
            "mode": "tcp",
            "balance": "leastconn",
            "maxconn": 20000,
            "timeout": {"client": "1h", "server": "1h", "connect": "3s"},
        },
        "backends": {"servers": 4},
    }
    assert any("listen 'netty-tcp' as frontend and backend" in note for note in result.notes)


def test_httpclose_nolinger_reuse_always_and_retries():
    result = import_haproxy(EXAMPLES / "httpclose-reuse-retry.cfg")
    assert result.scenario == {
        "proxy": {
            "version": "2.6",
            "mode": "httpclose",
            "balance": "roundrobin",
            "http_reuse": "always",
            "nolinger": True,
            "redispatch": True,
            "retries": 2,
            "retry_on": ["conn-failure", "empty-response"],
            "timeout": {"client": "30s", "server": "30s", "connect": "2s"},
        },
        "backends": {"servers": 3},
    }


def test_messy_production_config_maps_what_it_can():
    result = import_haproxy(EXAMPLES / "messy-production.cfg")
    assert result.scenario == {
        "proxy": {
            "version": "2.6",
            "mode": "http-server-close",
            "balance": "leastconn",
            "redispatch": True,
            "retries": 3,
            "maxconn": 20000,
            "timeout": {
                "client": "30s",
                "server": "50s",
                "connect": "5s",
                "http_request": "10s",
                "queue": "30s",
            },
        },
        "backends": {
            "servers": 3,
            "weights": [100, 100, 50],
            "maxconn": 200,
            "slowstart": "30s",
            "health_check": {"interval": "3s", "rise": 2, "fall": 3},
        },
    }


def test_messy_production_config_reports_every_unmapped_line():
    result = import_haproxy(EXAMPLES / "messy-production.cfg")
    assert [(u.line, u.text) for u in result.unmapped] == [
        (4, "log /dev/log local0"),
        (5, "log /dev/log local1 notice"),
        (6, "chroot /var/lib/haproxy"),
        (7, "stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners"),
        (8, "stats timeout 30s"),
        (9, "user haproxy"),
        (10, "group haproxy"),
        (11, "daemon"),
        (12, "maxconn 50000"),
        (13, "ssl-default-bind-options ssl-min-ver TLSv1.2"),
        (16, "log\tglobal"),
        (18, "option\thttplog"),
        (19, "option\tdontlognull"),
        (20, "option forwardfor"),
        (23, "timeout client  50000"),
        (27, "errorfile 503 /etc/haproxy/errors/503.http"),
        (31, "bind *:443 ssl crt /etc/haproxy/certs/shop.pem alpn h2,http/1.1"),
        (32, "bind *:80"),
        (34, "http-request redirect scheme https unless { ssl_fc }"),
        (35, "http-request set-header X-Forwarded-Proto https if { ssl_fc }"),
        (36, "acl is_static path_beg /static /images /css"),
        (37, "acl is_api    hdr(host) -i api.example.com"),
        (38, "use_backend static if is_static"),
        (39, "use_backend api if is_api"),
        (46, "option httpchk GET /health"),
        (47, "http-check expect status 200"),
        (48, "cookie SRV insert indirect nocache"),
        (54, "server shop-spare 10.1.0.19:8080 check backup"),
        (56, "backend static"),
        (57, "balance roundrobin"),
        (58, "server static1 10.1.1.21:80 check"),
        (59, "server static2 10.1.1.22:80 check"),
        (61, "backend api"),
        (62, "balance uri"),
        (63, "timeout server 2m"),
        (64, "server api1 10.1.2.31:8080 check"),
        (66, "listen stats"),
        (67, "bind :8404"),
        (68, "stats enable"),
        (69, "stats uri /stats"),
        (70, "stats refresh 10s"),
        (71, 'stats auth admin:"s3cr#t"'),
        (73, "resolvers dns"),
        (74, "nameserver dns1 10.0.0.2:53"),
        (75, "hold valid 10s"),
    ]
    why = reasons(result)
    assert why[4] == why[16] == why[18] == "log settings do not affect teardown"
    assert why[36] == "an ACL does nothing by itself (the rules that use it are listed)"
    assert why[38] == "ACLs and content switching are not modelled"
    assert why[34] == "request and response rules are not modelled"
    assert why[7] == "the statistics page and monitoring do not affect teardown"
    assert why[12].startswith("the frontend's maxconn (line 33) is the modelled limit")
    assert why[23] == "overridden by line 41"
    assert "backup" in why[54]
    assert why[56].startswith("backend 'static' is not modelled")
    assert why[57] == "in backend 'static', which is not modelled"
    assert why[73] == "resolvers sections do not affect teardown"
    assert all(isinstance(u, Unmapped) and u.reason for u in result.unmapped)
    assert [u.line for u in result.not_modelled] == [34, 35, 38, 39, 46, 47, 48]


def test_messy_production_config_accounts_for_every_line():
    path = EXAMPLES / "messy-production.cfg"
    result = import_haproxy(path)
    mapped = directive_lines(path) - {u.line for u in result.unmapped}
    headers = {3, 15, 30, 44}
    defaults = {17, 21, 22, 24, 25, 26, 28}
    frontend = {33, 40, 41, 42}
    backend = {45, 49, 50, 51, 52, 53}
    assert mapped == headers | defaults | frontend | backend


def test_messy_production_config_notes_its_decisions():
    notes = import_haproxy(EXAMPLES / "messy-production.cfg").notes
    assert "using backend 'shop', the default_backend of frontend 'shop_https'" in notes
    assert any("backend 'static', backend 'api', listen 'stats'" in n for n in notes)
    assert any("the stronger one applies (http-server-close)" in n for n in notes)
    assert any("different maxconn (200, 200, 100); using the largest, 200" in n for n in notes)
    assert any("server 'shop-spare' (line 54) is a backup server" in n for n in notes)
    assert "server keywords not modelled: cookie (lines 51, 52, 53)" in notes


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_each_example_names_the_modelled_version_first(path):
    result = import_haproxy(path, version="2.0")
    assert result.scenario["proxy"]["version"] == "2.0"
    assert result.notes[0].startswith("modelled as HAProxy 2.0")


def test_there_are_at_least_six_example_configs():
    assert len(EXAMPLE_FILES) >= 6


# ---- the imported scenario is a valid teardown scenario ----------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_is_a_valid_scenario(path, version):
    teardown.Scenario.from_dict(import_haproxy(path, version=version).scenario)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_every_example_runs(path):
    scenario = copy.deepcopy(import_haproxy(path).scenario)
    scenario["sim"] = {"duration": "5s", "warmup": "1s"}
    result = teardown.run(scenario)
    assert result.metrics["requests.completed"] > 0


# ---- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("50000", "50s"),  # no unit: milliseconds
        ("1500", "1500ms"),
        ("250us", "250us"),
        ("5000ms", "5s"),
        ("90s", "90s"),
        ("120s", "2m"),
        ("10m", "10m"),
        ("1h", "1h"),
        ("1d", "24h"),
        ("0", "off"),  # HAProxy: no timeout
    ],
)
def test_times_default_to_milliseconds(tmp_path, written, expected):
    result = imported(
        tmp_path,
        f"""
        listen l
            mode http
            timeout client {written}
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["proxy"]["timeout"]["client"] == expected


def test_every_timeout_maps_and_old_names_too(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            clitimeout 20000
            contimeout 4000
            srvtimeout 30000
            timeout http-request 5s
            timeout http-keep-alive 2s
            timeout tunnel 1h
            timeout client-fin 1s
            timeout server-fin 2s
            timeout queue 10s
        listen l
            server a 10.0.0.1:80
        """,
        version="2.0",
    )
    assert result.scenario["proxy"]["timeout"] == {
        "client": "20s",
        "server": "30s",
        "connect": "4s",
        "http_request": "5s",
        "http_keep_alive": "2s",
        "tunnel": "1h",
        "client_fin": "1s",
        "server_fin": "2s",
        "queue": "10s",
    }


def test_missing_timeouts_mean_none_in_haproxy(tmp_path):
    result = imported(tmp_path, "listen l\n    mode http\n    server a 10.0.0.1:80\n")
    assert result.scenario["proxy"]["timeout"] == {"client": "off", "server": "off", "connect": "off"}
    assert any("never times out" in note for note in result.notes)


def test_old_timeout_names_are_noted_for_2_6(tmp_path):
    result = imported(tmp_path, "listen l\n    mode http\n    clitimeout 20000\n    server a 10.0.0.1:80\n")
    assert result.scenario["proxy"]["timeout"]["client"] == "20s"
    assert any("HAProxy 2.6 rejects 'clitimeout'" in note for note in result.notes)


# ---- modes, inheritance, "no option" -----------------------------------------------------


def test_each_defaults_section_presets_only_the_proxies_after_it(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            timeout client 5s
            timeout server 9s
        frontend fe
            default_backend be
        defaults
            mode http
            timeout client 7s
        backend be
            server a 10.0.0.1:80
        """,
    )
    # The frontend keeps the first defaults; the second one resets everything for the backend.
    assert result.scenario["proxy"]["timeout"] == {"client": "5s", "server": "off", "connect": "off"}
    why = reasons(result)
    assert why[4] == (
        "'timeout server' is a backend setting; defaults section (line 1) presets only the modelled frontend"
    )
    assert why[9] == (
        "'timeout client' is a frontend setting; defaults section (line 7) presets only the modelled backend"
    )


def test_named_defaults_are_chosen_with_from(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults http-base
            mode http
            option http-server-close
        defaults tcp-base
            mode tcp
        frontend fe from http-base
            default_backend be
        backend be from http-base
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["proxy"]["mode"] == "http-server-close"
    assert reasons(result)[4] == "defaults 'tcp-base' applies to no modelled proxy"


def test_from_an_unknown_defaults_section_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"haproxy\.cfg:3: no defaults section named 'nope'"):
        imported(tmp_path, "defaults base\n    mode http\nlisten l from nope\n    server a 10.0.0.1:80\n")


def test_no_option_cancels_an_inherited_mode(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            option http-server-close
            option redispatch
        listen l
            no option http-server-close
            no option redispatch
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["proxy"]["mode"] == "preset"  # the release's default: keep-alive in 2.6
    assert result.scenario["proxy"]["redispatch"] is False
    assert reasons(result)[3] == "overridden by line 6"


def test_no_option_of_a_mode_not_in_force_does_nothing(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            option httpclose
        listen l
            no option http-server-close
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["proxy"]["mode"] == "httpclose"
    assert reasons(result)[5] == "no effect: 'option http-server-close' was not in force here"


@pytest.mark.parametrize(
    ("version", "front", "back", "mode"),
    [
        ("2.6", "http-keep-alive", "http-server-close", "http-server-close"),
        ("2.6", "http-server-close", "httpclose", "httpclose"),
        ("2.6", "httpclose", "http-keep-alive", "httpclose"),
        ("1.5", "http-tunnel", "http-keep-alive", "http-tunnel"),
        ("1.5", "http-tunnel", "http-server-close", "http-server-close"),
        ("1.5", "httpclose", "http-server-close", "httpclose"),  # passive + server close = forced close
        ("1.5", "forceclose", "http-keep-alive", "httpclose"),
    ],
)
def test_the_stronger_option_of_frontend_and_backend_wins(tmp_path, version, front, back, mode):
    result = imported(
        tmp_path,
        f"""
        defaults
            mode http
        frontend fe
            option {front}
            default_backend be
        backend be
            option {back}
            server a 10.0.0.1:80
        """,
        version=version,
    )
    assert result.scenario["proxy"]["mode"] == mode


def test_in_1_4_close_options_add_up_within_a_section(tmp_path):
    result = imported(
        tmp_path,
        """
        listen l
            mode http
            option httpclose
            option http-server-close
            server a 10.0.0.1:80
        """,
        version="1.4",
    )
    assert result.scenario["proxy"]["mode"] == "httpclose"  # what 1.4 calls a forced close


def test_in_1_5_and_later_the_last_close_option_of_a_section_wins(tmp_path):
    result = imported(
        tmp_path,
        """
        listen l
            mode http
            option httpclose
            option http-server-close
            server a 10.0.0.1:80
        """,
        version="1.5",
    )
    assert result.scenario["proxy"]["mode"] == "http-server-close"
    assert reasons(result)[3] == "overridden by line 4"


def test_pretend_keepalive_alone_is_the_default_mode_plus_the_option(tmp_path):
    result = imported(
        tmp_path, "listen l\n    mode http\n    option http-pretend-keepalive\n    server a 1.1.1.1:80\n"
    )
    assert result.scenario["proxy"]["mode"] == "http-pretend-keepalive"
    assert result.scenario["proxy"]["pretend_keepalive"] is True


def test_pretend_keepalive_in_a_frontend_is_ignored(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            option http-server-close
        frontend fe
            option http-pretend-keepalive
            default_backend be
        backend be
            server a 10.0.0.1:80
        """,
    )
    assert "pretend_keepalive" not in result.scenario["proxy"]
    assert reasons(result)[5] == "HAProxy ignores 'option http-pretend-keepalive' in a frontend"


def test_before_2_0_pretend_keepalive_counts_on_either_side(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            option http-server-close
        frontend fe
            option http-pretend-keepalive
            default_backend be
        backend be
            server a 10.0.0.1:80
        """,
        version="1.5",
    )
    assert result.scenario["proxy"]["pretend_keepalive"] is True
    assert 5 not in reasons(result)


def test_without_a_mode_line_haproxy_runs_tcp_and_http_options_do_nothing(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            option http-server-close
            timeout http-request 5s
        listen l
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["proxy"]["mode"] == "tcp"
    assert "no 'mode' line: HAProxy's default is mode tcp" in result.notes
    assert reasons(result) == {
        2: "'option http-server-close' has no effect in mode tcp",
        3: "'timeout http-request' has no effect in mode tcp",
    }
    assert {u.kind for u in result.unmapped} == {"tcp"} and result.not_modelled == []
    assert result.notes[-1] == (
        "mode tcp: these HTTP settings have no effect: 'option http-server-close' (line 2), "
        "'timeout http-request 5s' (line 3)"
    )


@pytest.mark.parametrize(
    ("version", "line", "mode", "why"),
    [
        ("1.4", "option http-keep-alive", "preset", "HAProxy 1.4 has no 'option http-keep-alive'"),
        ("2.6", "option http-tunnel", "preset", "HAProxy 2.6 rejects 'option http-tunnel'"),
        (
            "1.4",
            "option http-tunnel",
            "preset",
            "HAProxy 1.4 has no 'option http-tunnel' (it came in 1.5-dev22)",
        ),
        ("2.0", "option http-tunnel", "http-tunnel", None),
        ("1.5", "option forceclose", "httpclose", None),
        ("2.6", "option forceclose", "httpclose", None),
    ],
)
def test_options_a_release_does_not_have_are_reported(tmp_path, version, line, mode, why):
    result = imported(
        tmp_path, f"listen l\n    mode http\n    {line}\n    server a 10.0.0.1:80\n", version=version
    )
    assert result.scenario["proxy"]["mode"] == mode
    if why is None:
        assert 3 not in reasons(result)
    else:
        assert reasons(result)[3].startswith(why)


def test_forceclose_in_2_6_is_read_as_httpclose_with_a_note(tmp_path):
    result = imported(tmp_path, "listen l\n    mode http\n    option forceclose\n    server a 10.0.0.1:80\n")
    assert any("rejects 'option forceclose'" in note for note in result.notes)


# ---- the release a file's keywords point to ---------------------------------------------


def test_a_file_without_dated_keywords_gets_no_release_note(tmp_path):
    result = imported(tmp_path, "listen l\n    mode http\n    http-reuse safe\n    server a 10.0.0.1:80\n")
    assert not any("--haproxy-version" in note or "point to" in note for note in result.notes[1:])


def test_http_tunnel_points_to_1_5_and_2_6_ignores_it(tmp_path):
    result = imported(tmp_path, "listen l\n    mode http\n    option http-tunnel\n    server a 10.0.0.1:80\n")
    assert result.notes[1:3] == [
        "suggested: --haproxy-version 1.5, the oldest modelled release that accepts every release-dependent "
        "keyword of the file: 'option http-tunnel' (line 3, refused since 2.5)",
        "HAProxy 2.6 rejects 'option http-tunnel' (ignored)",
    ]
    assert [u.kind for u in result.not_modelled] == ["release"]


def test_a_keyword_the_release_lacks_points_to_the_first_that_has_it(tmp_path):
    text = "listen l\n    mode http\n    http-reuse always\n    contimeout 5s\n    server a 10.0.0.1:80\n"
    result = imported(tmp_path, text, version="1.5")
    assert result.notes[1:3] == [
        "suggested: --haproxy-version 1.8, the oldest modelled release that accepts every release-dependent "
        "keyword of the file: 'http-reuse' (line 3, since 1.6), 'contimeout' (line 4, refused since 2.1)",
        "HAProxy 1.5 lacks 'http-reuse' (ignored)",
    ]
    assert (
        imported(tmp_path, text, version="1.8")
        .notes[1]
        .startswith("the file's release-dependent keywords point to HAProxy 1.8, the release modelled:")
    )


def test_the_suggestion_is_the_oldest_release_that_accepts_every_dated_keyword(tmp_path):
    server = "    server a 10.0.0.1:80\n"
    text = "listen l\n    mode http\n    option http-tunnel\n    retry-on conn-failure\n" + server
    assert (
        imported(tmp_path, text, version="2.0")
        .notes[1]
        .startswith("the file's release-dependent keywords point to HAProxy 2.0")
    )
    text = "listen l\n    mode http\n    clitimeout 5s\n    balance random\n" + server
    assert imported(tmp_path, text).notes[1].startswith("suggested: --haproxy-version 2.0")
    text = "listen l\n    mode http\n    option http-keep-alive\n    option forceclose\n" + server
    assert imported(tmp_path, text, version="1.4").notes[1].startswith("suggested: --haproxy-version 1.5")


def test_without_a_version_the_newest_is_assumed_and_said_so():
    result = import_haproxy(EXAMPLES / "keep-alive.cfg")
    assert result.scenario["proxy"]["version"] == "2.6"
    assert result.notes[0] == (
        "modelled as HAProxy 2.6, assumed: a haproxy.cfg does not say which release it targets "
        "(--haproxy-version sets it)"
    )
    assert import_haproxy(EXAMPLES / "keep-alive.cfg", "2.6").notes[0] == (
        "modelled as HAProxy 2.6, the release asked for"
    )


# ---- balance, reuse, retries, limits -----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("balance roundrobin", {"balance": "roundrobin"}),
        ("balance static-rr", {"balance": "static-rr"}),
        ("balance leastconn", {"balance": "leastconn"}),
        ("balance first", {"balance": "first"}),
        ("balance source", {"balance": "source"}),
        ("balance random", {"balance": "random"}),
        ("balance random(3)", {"balance": "random", "random_draws": 3}),
    ],
)
def test_balance_algorithms(tmp_path, line, expected):
    result = imported(tmp_path, f"listen l\n    mode http\n    {line}\n    server a 10.0.0.1:80\n")
    proxy = result.scenario["proxy"]
    assert {k: proxy[k] for k in ("balance", "random_draws") if k in proxy} == expected


@pytest.mark.parametrize("algorithm", ["uri", "url_param userid", "hdr(host)", "rdp-cookie"])
def test_hashing_algorithms_are_unmapped_and_leave_balance_unset(tmp_path, algorithm):
    result = imported(
        tmp_path,
        f"""
        defaults
            mode http
            balance leastconn
        listen l
            balance {algorithm}
            server a 10.0.0.1:80
        """,
    )
    assert "balance" not in result.scenario["proxy"]
    why = reasons(result)
    assert "is not modelled; balance left unset" in why[5]
    assert why[3] == "overridden by line 5"


def test_balance_random_needs_1_9(tmp_path):
    result = imported(
        tmp_path, "listen l\n    mode http\n    balance random\n    server a 1.1.1.1:80\n", "1.8"
    )
    assert "balance" not in result.scenario["proxy"]
    assert reasons(result)[3].startswith("HAProxy 1.8 has no 'balance random'")


def test_reuse_retries_and_the_on_off_options(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            option nolinger
            option abortonclose
            option redispatch
            option prefer-last-server
            http-reuse aggressive
            retries 5
            retry-on all-retryable-errors
        listen l
            server a 10.0.0.1:80
        """,
    )
    proxy = result.scenario["proxy"]
    for option in ("nolinger", "abortonclose", "redispatch", "prefer_last_server"):
        assert proxy[option] is True
    assert proxy["http_reuse"] == "aggressive"
    assert proxy["retries"] == 5
    assert proxy["retry_on"] == ["conn-failure", "empty-response", "response-timeout"]
    assert any("retry-on conditions not modelled: junk-response, 0rtt-rejected" in n for n in result.notes)


def test_retry_on_none_retries_nothing(tmp_path):
    result = imported(tmp_path, "listen l\n    mode http\n    retry-on none\n    server a 10.0.0.1:80\n")
    assert result.scenario["proxy"]["retry_on"] == []


def test_redispatch_interval_zero_disables_it(tmp_path):
    result = imported(
        tmp_path, "listen l\n    mode http\n    option redispatch 0\n    server a 10.0.0.1:80\n"
    )
    assert result.scenario["proxy"]["redispatch"] is False


def test_nolinger_on_one_side_is_applied_to_both_with_a_note(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
        frontend fe
            option nolinger
            default_backend be
        backend be
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["proxy"]["nolinger"] is True
    assert "option nolinger is on for the frontend only; the model applies it to both sides" in result.notes


def test_http_reuse_and_retry_on_are_unmapped_before_their_releases(tmp_path):
    result = imported(
        tmp_path,
        """
        listen l
            mode http
            http-reuse always
            retry-on empty-response
            server a 10.0.0.1:80
        """,
        version="1.5",
    )
    assert "http_reuse" not in result.scenario["proxy"] and "retry_on" not in result.scenario["proxy"]
    assert reasons(result)[3] == "HAProxy 1.5 has no 'http-reuse' (it came in 1.6); ignored"
    assert reasons(result)[4] == "HAProxy 1.5 has no 'retry-on' (it came in 2.0); ignored"


def test_maxconn_comes_from_the_frontend_else_global_and_a_backend_ignores_it(tmp_path):
    result = imported(
        tmp_path,
        """
        global
            maxconn 8000
        defaults
            mode http
        frontend fe
            default_backend be
        backend be
            maxconn 100
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["proxy"]["maxconn"] == 8000
    assert reasons(result)[8].startswith("HAProxy ignores maxconn in a backend")


# ---- servers -----------------------------------------------------------------------------


def test_servers_weights_limits_checks_and_default_server(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            default-server inter 5s rise 3 fall 2 slowstart 1m
        backend be
            default-server maxconn 50
            server a 10.0.0.1:80 check weight 10
            server b 10.0.0.2:80 check weight 20 maxconn 80
            server c 10.0.0.3:80 check backup
            server d 10.0.0.4:80 check disabled
            server e 10.0.0.5:80 check weight 0
            server-template web 1-3 web.local:80 check
        """,
    )
    assert result.scenario["backends"] == {
        "servers": 5,
        "weights": [10, 20, 1, 1, 1],
        "maxconn": 80,
        "slowstart": "1m",
        "health_check": {"interval": "5s", "rise": 3, "fall": 2},
    }
    why = reasons(result)
    assert "backup" in why[8] and "disabled" in why[9] and "weight 0" in why[10]
    assert any("different maxconn (50, 80, 50); using the largest, 80" in n for n in result.notes)


def test_servers_without_check_leave_health_checks_at_their_defaults(tmp_path):
    result = imported(
        tmp_path,
        "defaults\n    mode http\n    default-server inter 3s\nlisten l\n    server a 10.0.0.1:80\n",
    )
    assert result.scenario["backends"] == {"servers": 1}
    assert any("no server has 'check'" in note for note in result.notes)
    assert reasons(result)[3].startswith("no modelled server uses these default-server parameters")


@pytest.mark.parametrize(("version", "expected"), [("2.6", "30s"), ("1.5", None)])
def test_pool_purge_delay_is_a_2_x_server_keyword(tmp_path, version, expected):
    result = imported(
        tmp_path, "listen l\n    mode http\n    server a 10.0.0.1:80 pool-purge-delay 30s\n", version=version
    )
    assert result.scenario["proxy"].get("pool_purge_delay") == expected


def test_unmodelled_server_keywords_are_noted(tmp_path):
    result = imported(
        tmp_path, "listen l\n    mode http\n    server a 10.0.0.1:443 ssl verify none cookie a check\n"
    )
    assert "server keywords not modelled: ssl, verify none, cookie a (line 3)" in result.notes


# ---- which frontend and backend ----------------------------------------------------------


def test_the_default_backend_of_the_first_frontend_is_modelled(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
        frontend fe
            use_backend other if { path_beg /x }
            default_backend main
        backend other
            server o1 10.0.0.1:80
        backend main
            server m1 10.0.0.2:80
            server m2 10.0.0.3:80
        """,
    )
    assert result.scenario["backends"]["servers"] == 2
    assert "using backend 'main', the default_backend of frontend 'fe'" in result.notes
    assert reasons(result)[4] == "ACLs and content switching are not modelled"


def test_without_default_backend_the_first_backend_with_servers_is_modelled(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
        frontend fe
            bind :80
        backend empty
            timeout server 3s
        backend app
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["backends"]["servers"] == 1
    assert (
        "frontend 'fe' has no default_backend; using the first backend 'app'; the file has backend 'empty' "
        "(line 5), backend 'app' (line 7) (--backend NAME picks another)" in result.notes
    )


def test_a_lone_backend_takes_its_frontend_settings_from_its_defaults(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
            timeout client 4s
        backend be
            timeout client 9s
            server a 10.0.0.1:80
        """,
    )
    assert result.scenario["proxy"]["timeout"]["client"] == "4s"
    assert reasons(result)[5] == "HAProxy ignores 'timeout client' in a backend"


def test_frontend_timeouts_set_in_the_backend_are_reported(tmp_path):
    result = imported(
        tmp_path,
        """
        defaults
            mode http
        frontend fe
            default_backend be
        backend be
            timeout http-keep-alive 1s
            timeout client 5s
            server a 10.0.0.1:80
        """,
    )
    assert "http_keep_alive" not in result.scenario["proxy"]["timeout"]
    assert reasons(result)[6].startswith("HAProxy uses the frontend's 'timeout http-keep-alive'")
    assert reasons(result)[7] == "HAProxy ignores 'timeout client' in a backend"


def test_a_default_backend_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(
        ConfigError, match=r"haproxy\.cfg:3: default_backend: no backend or listen section named 'gone'"
    ):
        imported(
            tmp_path,
            "frontend fe\n    mode http\n    default_backend gone\nbackend be\n    server a 1.1.1.1:80\n",
        )


REAL_CFGS = Path(__file__).resolve().parent / "haproxy_configs"  # real-world shapes, see its README


def test_a_frontend_and_a_backend_are_imported_by_name():
    cfg = REAL_CFGS / "old-1.4-modes.cfg"
    result = import_haproxy(cfg, "1.4", frontend="httpclose_server-close")
    assert result.scenario["proxy"]["mode"] == "httpclose"  # 1.4: httpclose + server-close force a close
    assert result.notes[2] == (
        "using listen 'httpclose_server-close' (--frontend) as frontend and backend; the file has listen "
        "'httpclose' (line 12), listen 'server-close' (line 17), listen 'httpclose_server-close' (line 22), "
        "listen 'forceclose' (line 28)"
    )
    result = import_haproxy(cfg, "1.4", frontend="httpclose", backend="server-close")
    assert (
        result.scenario["proxy"]["mode"] == "httpclose"
    )  # the frontend's httpclose, the backend's server-close
    assert "using listen 'server-close' (--backend)" in result.notes


def test_a_backend_by_name_is_reached_through_the_frontend_that_sends_to_it(tmp_path):
    text = """
        defaults
            mode http
        frontend web
            default_backend a
        frontend api
            timeout client 7s
            use_backend b if { path_beg /v1 }
        backend a
            server a1 10.0.0.1:80
        backend b
            server b1 10.0.0.2:80
            server b2 10.0.0.3:80
        """
    result = imported(tmp_path, text)
    assert "using frontend 'web', the first with a default_backend" in result.notes[1]
    result = import_haproxy(tmp_path / "haproxy.cfg", backend="b")
    assert result.scenario["proxy"]["timeout"]["client"] == "7s"
    assert result.scenario["backends"]["servers"] == 2
    assert result.notes[1].startswith("using frontend 'api', which sends to backend 'b'; the file has")
    with pytest.raises(
        ConfigError, match=r"--backend: no backend or listen section named 'c' \(the file has: "
    ):
        import_haproxy(tmp_path / "haproxy.cfg", backend="c")


def test_lines_that_cannot_affect_teardown_are_told_from_those_that_may():
    result = import_haproxy(EXAMPLES / "messy-production.cfg")
    kinds = {u.line: u.kind for u in result.unmapped}
    assert kinds[4] == kinds[6] == kinds[13] == kinds[31] == kinds[36] == kinds[57] == "inert"
    assert kinds[23] == "inert"  # overridden by the frontend's timeout client
    assert kinds[54] == "noted"  # the backup server, which a note names
    assert kinds[34] == kinds[38] == kinds[48] == "unmodelled"
    assert "may matter" in repr(result)


# ---- what the file may contain -----------------------------------------------------------


def test_unknown_directives_are_reported_not_refused(tmp_path):
    result = imported(tmp_path, "listen l\n    mode http\n    frobnicate 3\n    server a 10.0.0.1:80\n")
    assert result.unmapped == [Unmapped(3, "frobnicate 3", "'frobnicate' is not modelled")]


def test_quotes_and_escapes_keep_a_hash_from_starting_a_comment(tmp_path):
    result = imported(
        tmp_path,
        r"""
        listen l # the only proxy
            mode http
            stats auth "a b#c" \#d  # comment
            server a 10.0.0.1:80
        """,
    )
    assert result.unmapped == [
        Unmapped(
            3, 'stats auth "a b#c" \\#d', "the statistics page and monitoring do not affect teardown", "inert"
        )
    ]


def test_an_unindented_directive_is_accepted_in_a_file_without_indentation(tmp_path):
    result = imported(tmp_path, "listen l\nmode http\nserver a 10.0.0.1:80\n")
    assert result.scenario["backends"]["servers"] == 1


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("timeout client ten", "timeout client: expected a time"),
        ("timeout client", "expected 'timeout client <time>'"),
        ("timeout clinet 5s", "unknown timeout 'clinet'"),
        ("timeout client 30d", "is too large"),
        ("mode udp", "mode: expected 'tcp' or 'http', got 'udp'"),
        ("balance", "'balance' needs an algorithm"),
        ("balance random(two)", "balance: expected random or random(<draws>)"),
        ("retries many", "retries: expected an integer"),
        ("retry-on sometimes", "retry-on: unknown keyword 'sometimes'"),
        ("http-reuse often", "http-reuse: expected one of never, safe, aggressive, always"),
        ("maxconn -5", "maxconn: expected an integer"),
        ("server lonely", "'server' needs a name and an address"),
        ("server a 10.0.0.9:80 weight 300", "server 'a': 'weight' expects an integer from 0 to 256"),
        ("server a 10.0.0.9:80 inter", "server 'a': 'inter' needs a value"),
        ("server a 10.0.0.9:80 rise 0", "server 'a': 'rise' expects an integer, 1 or more"),
        ("default-server slowstart soon", "default-server: 'slowstart' expects a time"),
        ("option redispatch sometimes", "option redispatch: expected an integer interval"),
    ],
)
def test_a_malformed_known_directive_is_an_error_at_its_line(tmp_path, line, message):
    with pytest.raises(ConfigError) as caught:
        imported(tmp_path, f"listen l\n    mode http\n    server ok 10.0.0.1:80\n    {line}\n")
    text = str(caught.value)
    assert text.startswith(f"{tmp_path / 'haproxy.cfg'}:4: ")
    assert message in text
    assert caught.value.issues[0]["where"] == f"{tmp_path / 'haproxy.cfg'}:4"


def test_an_unknown_section_keyword_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"haproxy\.cfg:4: unknown section keyword 'frontent'"):
        imported(tmp_path, "defaults\n    mode http\n\nfrontent fe\n    bind :80\n")


def test_a_directive_before_any_section_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"haproxy\.cfg:2: 'maxconn' is not a section keyword"):
        imported(tmp_path, "# tuned\nmaxconn 100\nglobal\n")


def test_a_proxy_section_needs_a_name(tmp_path):
    with pytest.raises(ConfigError, match=r"haproxy\.cfg:1: 'backend' needs a name"):
        imported(tmp_path, "backend\n    server a 10.0.0.1:80\n")


def test_an_unreadable_file_is_an_error(tmp_path):
    missing = tmp_path / "missing.cfg"
    with pytest.raises(ConfigError, match=r"missing\.cfg: cannot read the file"):
        import_haproxy(missing)


def test_a_binary_file_is_an_error(tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_bytes(b"global\n    daemon\n\x7fELF\x02\x01\x01\x00\x00")
    with pytest.raises(ConfigError, match=r"haproxy\.cfg:3: binary data"):
        import_haproxy(path)


def test_an_unmatched_quote_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"haproxy\.cfg:2: unmatched quote"):
        imported(tmp_path, 'listen l\n    stats auth "admin\n')


def test_a_file_without_proxies_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no frontend, backend or listen section"):
        imported(tmp_path, "global\n    daemon\n")


def test_an_unknown_release_is_an_error(tmp_path):
    with pytest.raises(
        ConfigError, match=r"proxy\.version: expected one of 1\.4, 1\.5, 1\.8, 2\.0, 2\.6, got '2\.4'"
    ):
        import_haproxy(EXAMPLES / "keep-alive.cfg", version="2.4")
