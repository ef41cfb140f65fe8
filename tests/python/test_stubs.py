"""_core.pyi describes _core exactly: the same public names, the same parameters, and docstrings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from teardown import _core

STUB = Path(_core.__file__).with_name("_core.pyi")
if not STUB.exists():  # running against an install without stubs: use the source tree's
    STUB = Path(__file__).parents[2] / "python" / "teardown" / "_core.pyi"


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text())


def stub_names() -> set[str]:
    names = set()
    for node in stub_tree().body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def core_names() -> set[str]:
    return {n for n in dir(_core) if not n.startswith("_")} | {"__version__", "__git_commit__"}


def stub_functions() -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in stub_tree().body if isinstance(n, ast.FunctionDef)}


def test_every_core_name_is_in_the_stub_and_nothing_else():
    assert core_names() == stub_names()


@pytest.mark.parametrize("name", sorted(stub_functions()))
def test_stub_parameters_match_the_binding(name):
    # pybind11 writes the signature as the docstring's first line: "run(scenario: dict, ...) -> dict"
    signature = getattr(_core, name).__doc__.splitlines()[0]
    bound = re.findall(r"(\w+):", signature[signature.index("(") : signature.rindex(")")])
    stub = stub_functions()[name].args
    assert bound == [a.arg for a in stub.args]
    assert len(stub.defaults) == signature.count(" = ")


@pytest.mark.parametrize("name", sorted(stub_functions()))
def test_every_core_function_has_a_docstring(name):
    lines = [line for line in getattr(_core, name).__doc__.splitlines()[1:] if line.strip()]
    assert lines, f"_core.{name} has no docstring beyond its signature"
