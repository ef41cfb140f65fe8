"""docs/scenario.md is what the schema, the defaults and the importer's directives give now."""

from __future__ import annotations

from pathlib import Path

from teardown import _core
from teardown.haproxy_cfg.mapping import DIRECTIVES, SCENARIO_ORDER
from teardown.scenario_doc import key_reference, markdown

DOC = Path(__file__).parents[2] / "docs" / "scenario.md"


def test_docs_scenario_md_is_up_to_date():
    assert DOC.read_text() == markdown(), (
        "docs/scenario.md is stale: run `python -m teardown.scenario_doc > docs/scenario.md`"
    )


def test_every_key_has_a_description_and_a_default():
    for row in key_reference():
        assert row["description"], row["path"]
        required = {
            "backends.events.at",
            "network.zones.servers",
            "network.middlebox.idle_timeout",
        }  # an element must give them
        if row["kind"] not in ("table", "array of tables") and row["path"] not in required:
            assert row["default"] is not None, row["path"]


def test_every_key_the_importer_writes_names_its_directive_in_schema_order():
    paths = [row["path"] for row in _core.scenario_keys()]
    assert set(DIRECTIVES) == set(SCENARIO_ORDER)
    assert sorted(SCENARIO_ORDER, key=paths.index) == list(SCENARIO_ORDER)


def test_the_reference_covers_every_key_of_a_full_scenario():
    def leaves(node, prefix=""):
        for key, value in node.items():
            yield prefix + key
            if isinstance(value, dict):
                yield from leaves(value, prefix + key + ".")

    listed = {row["path"] for row in key_reference()}
    assert set(leaves(_core.normalize_scenario({}))) <= listed
