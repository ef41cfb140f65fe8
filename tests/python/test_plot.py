"""teardown.plot draws the pictures the notebooks use, from real runs."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import teardown as td  # noqa: E402
from teardown import plot  # noqa: E402

SHORT = {"sim": {"duration": "20s", "warmup": "2s"}}


@pytest.fixture(scope="module")
def traced():
    return td.run(
        td.load("examples/scenarios/server-close.toml").with_({"sim.duration": "2s", "sim.warmup": "0s"}),
        trace=1,
    )


def test_ladder_draws_an_arrow_per_segment_with_rst_in_its_colour(traced):
    ax = plot.ladder(traced, connections=[1, 2])
    arrows = [a for a in ax.texts if "RST" in a.get_text()]
    assert arrows, "the server-close ladder shows the proxy's RST"
    assert {t.get_text() for t in ax.texts} >= {"client", "proxy", "backend"}


def test_ladder_names_come_from_the_traced_connections(traced):
    names = traced.traced_connections
    assert names[0]["left"].startswith("client-") and names[0]["right"] == "proxy"
    assert names[1]["left"] == "proxy" and names[1]["right"].startswith("backend-")


def test_timeseries_has_a_line_per_server():
    r = td.run(
        {
            **SHORT,
            "backends": {"servers": 3},
            "sim": {"duration": "30s", "warmup": "1s", "timeseries_bin": "5s"},
        }
    )
    ax = plot.timeseries(r, "requests")
    assert len(ax.get_lines()) == 3
    ax = plot.timeseries(r, "open_connections", share=True)
    assert len(ax.get_lines()) == 3


def test_timeseries_rates_a_short_last_bin_over_its_own_length_and_draws_it_to_the_end():
    r = td.run({"sim": {"duration": "25s", "warmup": "2s", "timeseries_bin": "10s"}})
    for line in plot.timeseries(r, "requests").get_lines():
        x, y = list(line.get_xdata()), list(line.get_ydata())
        assert x == [0.0, 10.0, 20.0, 25.0]  # the last bin, 5 s long, reaches the end of the run
        assert y[2] == pytest.approx(y[1], rel=0.15)  # the same rate, not half of it
        assert y[3] == y[2]


def test_modes_and_heatmap_from_frames():
    rows = []
    for mode in ("http-keep-alive", "http-server-close"):
        for evict in ("off", "500ms"):
            r = td.run(
                {
                    "sim": {"duration": "5s", "warmup": "1s"},
                    "proxy": {"mode": mode},
                    "clients": {"pool": {"idle_evict": evict}},
                }
            )
            rows.append({"proxy.mode": mode, "clients.pool.idle_evict": evict, **r.metrics})
    df = pd.DataFrame(rows)
    axes = plot.modes(df.groupby("proxy.mode", as_index=False).mean(numeric_only=True))
    assert len(axes) == 3
    ax = plot.heatmap(df, "clients.pool.idle_evict", "proxy.mode", "backend.resets_per_s_per_server")
    assert ax.get_title() == "backend.resets_per_s_per_server"
