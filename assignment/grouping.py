"""Proposed groups for panel mode: applications of one 技术领域 together, a large field split into groups of
similar texts.

One group per field (main field, the first one listed) while the field has at most ``max_apps``
applications; a larger field is split into ``ceil(n / max_apps)`` groups of near-equal size, each grown
from the application least like those already placed, taking the applications whose texts are most like
its seed (cosine of TF-IDF vectors, :mod:`assignment.text`). Without text, applications keep their order
(by id). The proposal is a starting point: the centre edits it by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import text as texts


@dataclass(frozen=True)
class Item:
    """An application as grouping sees it: id, main field and its text."""

    id: str
    field: str
    document: texts.Document = texts.Document()


@dataclass(frozen=True)
class ProposedGroup:
    field: str
    apps: tuple[str, ...]


def _similarity(items: Sequence[Item]) -> np.ndarray:
    """Cosine similarity of the items' texts, shape (n, n); zeros without text."""
    if all(item.document.empty for item in items):
        return np.zeros((len(items), len(items)))
    weighted = texts.corpus([item.document for item in items])
    matrix = weighted.matrix
    return np.asarray((matrix @ matrix.T).todense())


def _split(items: list[Item], parts: int) -> list[tuple[str, ...]]:
    sizes = [len(items) // parts + (1 if i < len(items) % parts else 0) for i in range(parts)]
    similar = _similarity(items)
    left = list(range(len(items)))
    placed: list[int] = []
    groups = []
    for size in sizes:
        # seed: the remaining item least like those already placed (the first one at the start)
        seed = min(left, key=lambda i: (similar[i, placed].max() if placed else 0.0, i))
        members = sorted((i for i in left if i != seed), key=lambda i: (-similar[seed, i], i))[: size - 1]
        chosen = sorted([seed, *members])
        groups.append(tuple(items[i].id for i in chosen))
        placed.extend(chosen)
        left = [i for i in left if i not in chosen]
    return groups


def propose_groups(items: Sequence[Item], max_apps: int = 8) -> list[ProposedGroup]:
    """Groups of at most ``max_apps`` applications, one field each, fields in alphabetical order."""
    if max_apps < 1:
        raise ValueError("max_apps must be at least 1")
    by_field: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: i.id):
        by_field.setdefault(item.field, []).append(item)
    groups = []
    for field_name in sorted(by_field):
        members = by_field[field_name]
        parts = math.ceil(len(members) / max_apps)
        groups.extend(ProposedGroup(field_name, apps) for apps in _split(members, parts))
    return groups
