"""Candidates: the current setup, each remedy alone, and useful combinations of them."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from teardown.advise.remedies import Remedy, Step, valid
from teardown.scenario import Scenario

__all__ = ["RECIPES", "Candidate", "build", "combine", "extend", "singles"]

# Combinations worth trying whole, as the field reports describe them (docs/sources.md §12): the team's
# fix, and the same on 2.x where prefer-last-server needs private server connections.
RECIPES: tuple[tuple[str, ...], ...] = (
    ("prefer-last-server", "balance-leastconn", "timeouts-10m", "evict-0.9"),
    ("http-reuse-never", "prefer-last-server", "balance-leastconn", "timeouts-10m", "evict-0.9"),
    ("balance-leastconn", "timeouts-10m", "evict-0.9"),
)


@dataclass(frozen=True)
class Candidate:
    """A set of remedies applied in order to the base scenario."""

    steps: tuple[Step, ...]
    scenario: Scenario

    @property
    def key(self) -> str:
        return " + ".join(step.key for step in self.steps) or "current"

    @property
    def label(self) -> str:
        return " + ".join(step.label for step in self.steps) or "(current setup)"

    @property
    def families(self) -> frozenset[str]:
        return frozenset(step.family for step in self.steps)

    @property
    def overrides(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for step in self.steps:
            merged.update(step.overrides)
        return merged


def build(base: Scenario, chosen: Iterable[Remedy], order: Sequence[Remedy]) -> Candidate | None:
    """The remedies applied in ``order``; None when one does not apply after the ones before it,
    two share a family, or the version refuses the result."""
    keys = {r.key for r in chosen}
    scenario, steps = base, []
    for remedy in order:
        if remedy.key not in keys:
            continue
        step = remedy.plan(scenario)
        if step is None or any(s.family == step.family for s in steps):
            return None
        changed = valid(scenario, step.overrides)
        if changed is None or changed == scenario:
            return None
        scenario, steps = changed, [*steps, step]
    return Candidate(tuple(steps), scenario)


def singles(base: Scenario, order: Sequence[Remedy], seen: set[str]) -> list[Candidate]:
    """The current setup, then each remedy alone."""
    out = [Candidate((), base)]
    out += [c for r in order if (c := build(base, [r], order)) is not None]
    return _unique(out, seen)


def combine(
    base: Scenario, ranked: Sequence[Candidate], order: Sequence[Remedy], limit: int, seen: set[str]
) -> list[Candidate]:
    """Pairs of single remedies (best-ranked first), at most ``limit``."""
    by_key = {r.key: r for r in order}
    ones = [c for c in ranked if len(c.steps) == 1]
    pairs = []
    for a, b in itertools.combinations(range(len(ones)), 2):
        first, second = ones[a].steps[0], ones[b].steps[0]
        if first.family != second.family:
            pairs.append((a + b, first.key, second.key))
    out: list[Candidate] = []
    for _, k1, k2 in sorted(pairs):
        if len(out) >= limit:
            break
        candidate = build(base, [by_key[k1], by_key[k2]], order)
        if candidate is not None:
            out += _unique([candidate], seen)
    return out


def extend(
    base: Scenario,
    ranked: Sequence[Candidate],
    order: Sequence[Remedy],
    best: int,
    limit: int,
    seen: set[str],
) -> list[Candidate]:
    """The ``best`` ranked combinations, each with one more remedy; then the recipes."""
    by_key = {r.key: r for r in order}
    out: list[Candidate] = []
    for recipe in RECIPES:
        chosen = [by_key[k] for k in recipe if k in by_key]
        if len(chosen) == len(recipe) and (candidate := build(base, chosen, order)) is not None:
            out += _unique([candidate], seen)
    grown = [c for c in ranked if len(c.steps) >= 2][:best]
    for combo in grown:
        for remedy in order:
            if len(out) >= limit:
                return out
            if remedy.family in combo.families:
                continue
            chosen = [by_key[s.key] for s in combo.steps] + [remedy]
            candidate = build(base, chosen, order)
            if candidate is not None:
                out += _unique([candidate], seen)
    return out


def _unique(candidates: Iterable[Candidate], seen: set[str]) -> list[Candidate]:
    """Drop candidates whose scenario another (earlier, so simpler) candidate already runs."""
    out = []
    for candidate in candidates:
        digest = candidate.scenario.hash()
        if digest not in seen:
            seen.add(digest)
            out.append(candidate)
    return out
