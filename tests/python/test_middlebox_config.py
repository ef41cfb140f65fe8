"""``[[network.middlebox]]`` from TOML and from dicts, written back, run, and refused when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import teardown as td

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "nat-idle-timeout.toml"


def test_the_keys_load_from_toml_and_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "nat.toml"
    path.write_text(
        "[[network.middlebox]]\n"
        'hop = "proxy-backend"\n'
        'idle_timeout = "4m"\n'
        'on_expired = "rst-both"\n'
        "[[network.middlebox]]\n"
        'idle_timeout = "350s"\n'
    )
    scenario = td.Scenario.from_toml(path)
    assert scenario["network.middlebox"] == [
        {"hop": "proxy-backend", "idle_timeout": "4m", "on_expired": "rst-both"},
        # The defaults of the keys left out: the client-proxy hop, silent drop.
        {"hop": "client-proxy", "idle_timeout": "350s", "on_expired": "drop"},
    ]
    again = tmp_path / "again.toml"
    again.write_text(scenario.to_toml())
    assert td.Scenario.from_toml(again) == scenario


def test_the_keys_load_from_a_dict_and_none_is_the_default() -> None:
    assert td.Scenario()["network.middlebox"] == []
    scenario = td.Scenario({"network": {"middlebox": [{"idle_timeout": "20m", "on_expired": "rst-sender"}]}})
    assert scenario["network.middlebox"][0]["on_expired"] == "rst-sender"
    assert scenario.with_({"network.middlebox": []})["network.middlebox"] == []


@pytest.mark.parametrize(
    ("middlebox", "expected"),
    [
        (
            [{"idle_timeout": "5m", "on_expired": "reject"}],
            ("network.middlebox[0].on_expired", "reject", '"rst-both"'),
        ),
        ([{"idle_timeout": "5m", "hop": "client-backend"}], ("network.middlebox[0].hop", '"proxy-backend"')),
        ([{"idle_timeout": "0s"}], ("network.middlebox[0].idle_timeout", "greater than 0")),
        ([{"idle_timeout": "off"}], ("network.middlebox[0].idle_timeout", "finite")),
        ([{"hop": "client-proxy"}], ("network.middlebox[0].idle_timeout", "required")),
        (
            [{"idle_timeout": "5m"}, {"idle_timeout": "6m", "hop": "client-proxy"}],
            ("network.middlebox[1].hop", "at most one per hop"),
        ),
        ([{"idle_timeout": "5m", "timeout": "6m"}], ("network.middlebox[0].timeout",)),
    ],
)
def test_bad_values_are_a_config_error_naming_the_key(
    middlebox: list[dict[str, str]], expected: tuple[str, ...]
) -> None:
    with pytest.raises(td.ConfigError) as error:
        td.Scenario({"network": {"middlebox": middlebox}})
    for text in expected:
        assert text in str(error.value)


def test_the_example_runs_and_its_stale_reuses_meet_the_nat_gateways_rst() -> None:
    result = td.run(td.Scenario.from_toml(EXAMPLE).with_({"sim.duration": "30m", "sim.warmup": "10m"}))
    failed = result.metrics["requests.failed"]
    assert failed > 0
    assert result.metrics["client.reset_on_read"] == failed
    assert result.metrics["rst.middlebox_to_client"] >= failed
    assert result.metrics["client.timed_out"] == 0
