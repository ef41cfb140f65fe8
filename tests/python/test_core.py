"""The compiled core is importable and translates faithfully."""

import pytest
import teardown as td


def test_version_is_the_projects():
    assert td.__version__ == "0.1.0"


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("250us", 250_000),
        ("60s", 60_000_000_000),
        ("10m", 600_000_000_000),
        ("1.5ms", 1_500_000),
        ("3", 3 * 10**9),
    ],
)
def test_durations_parse(text, ns):
    assert td.parse_duration(text) == ns


def test_off_means_never():
    assert td.parse_duration("off") == td.NEVER
    assert td.format_duration(td.NEVER) == "off"


def test_bad_duration_names_the_reason():
    with pytest.raises(ValueError, match="unknown unit 'parsecs'"):
        td.parse_duration("5 parsecs")


def test_durations_round_trip():
    for ns in (1, 250_000, 90 * 10**9, 3 * 3600 * 10**9):
        assert td.parse_duration(td.format_duration(ns)) == ns
