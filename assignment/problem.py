"""The assignment instance: applications, experts, affinity, conflicts, and the options of one run.

Everything is held as numpy arrays indexed by position (application ``a`` in ``0..n_apps-1``, expert
``e`` in ``0..n_experts-1``) so that memory grows with the number of qualified pairs, never with
applications × experts. Ids are strings and are translated at the edges only.

Row numbers in error messages count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: Affinities are quantised to integers for the flow solver: score × SCALE, rounded.
SCALE = 1_000_000


class InputError(ValueError):
    """A row that cannot be read: names the source (file), the row and what is wrong."""

    def __init__(self, source: str, row: int | None, message: str):
        self.source, self.row, self.message = source, row, message
        where = f"{source}, row {row}" if row is not None else source
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Application:
    """One application (申请). ``field`` may list several fields separated by ``;``, main field first."""

    id: str
    field: str
    lead_org: str
    member_orgs: tuple[str, ...] = ()
    city: str = ""
    title: str = ""


@dataclass(frozen=True)
class Expert:
    """One expert of the pool. ``fields`` are in order of expertise; ``max_load=None`` means the default."""

    id: str
    org: str
    city: str = ""
    fields: tuple[str, ...] = ()
    max_load: int | None = None
    name: str = ""


@dataclass(frozen=True, eq=False)
class Pairs:
    """Application–expert pairs as parallel arrays of shape (n_pairs,), sorted by (app, expert)."""

    app: np.ndarray
    expert: np.ndarray
    score: np.ndarray  # int64 affinity × SCALE

    def __len__(self) -> int:
        return len(self.app)

    def take(self, mask_or_index: np.ndarray) -> Pairs:
        return Pairs(self.app[mask_or_index], self.expert[mask_or_index], self.score[mask_or_index])


@dataclass(frozen=True, eq=False)
class Problem:
    """An instance, built with :func:`build_problem` or :func:`assignment.io.load_instance`.

    Arrays: ``app_field_ptr/app_field_idx`` and ``expert_field_ptr/expert_field_idx`` are CSR lists of
    field indices (order kept); ``app_org_ptr/app_org_idx`` lists the lead and member orgs of each
    application; ``expert_max_load`` is -1 where the default applies; ``affinity`` is None when affinity
    comes from field overlap; ``conflicts`` are the declared conflicts (score unused, 0).
    """

    app_ids: tuple[str, ...]
    app_titles: tuple[str, ...]
    app_city: np.ndarray
    app_field_ptr: np.ndarray
    app_field_idx: np.ndarray
    app_org_ptr: np.ndarray
    app_org_idx: np.ndarray
    expert_ids: tuple[str, ...]
    expert_names: tuple[str, ...]
    expert_org: np.ndarray
    expert_city: np.ndarray
    expert_field_ptr: np.ndarray
    expert_field_idx: np.ndarray
    expert_max_load: np.ndarray
    fields: tuple[str, ...]
    orgs: tuple[str, ...]
    cities: tuple[str, ...]
    affinity: Pairs | None
    conflicts: Pairs
    conflict_reasons: tuple[str, ...] = ()
    _index: dict = field(default_factory=dict, repr=False)

    @property
    def n_apps(self) -> int:
        return len(self.app_ids)

    @property
    def n_experts(self) -> int:
        return len(self.expert_ids)

    def app_index(self, app_id: str) -> int:
        """Position of an application id; KeyError when unknown."""
        if "app" not in self._index:
            self._index["app"] = {a: i for i, a in enumerate(self.app_ids)}
        return self._index["app"][app_id]

    def expert_index(self, expert_id: str) -> int:
        """Position of an expert id; KeyError when unknown."""
        if "expert" not in self._index:
            self._index["expert"] = {e: i for i, e in enumerate(self.expert_ids)}
        return self._index["expert"][expert_id]

    def app_field_names(self, a: int) -> list[str]:
        return [self.fields[f] for f in self.app_field_idx[self.app_field_ptr[a] : self.app_field_ptr[a + 1]]]


@dataclass(frozen=True)
class Options:
    """How to solve: the hard rules of the round and the mode.

    ``max_load`` is the default load of experts without their own; ``min_load`` a hard floor (an expert
    with fewer than ``min_load`` candidate applications must take all of them); ``pins`` and ``forbids``
    are (app_id, expert_id) pairs. Modes: ``balance`` (most even loads, then best affinity), ``fair``
    (best worst panel within ``fair_tolerance`` of the optimum total, then best total), ``seed`` (a
    reproducible random draw within ``tolerance`` of the optimum total).
    """

    k: int = 5
    max_load: int = 8
    min_load: int = 0
    org_diverse: bool = False
    avoid_same_city: bool = False
    pins: tuple[tuple[str, str], ...] = ()
    forbids: tuple[tuple[str, str], ...] = ()
    balance: bool = False
    fair: bool = False
    seed: int | None = None
    tolerance: float = 0.01
    fair_tolerance: float = 0.001
    time_limit: float = 60.0

    def __post_init__(self):
        if self.k < 1:
            raise InputError("options", None, f"k must be at least 1, got {self.k}")
        if self.max_load < 0 or self.min_load < 0:
            raise InputError("options", None, "loads must be non-negative")
        if self.min_load > self.max_load:
            raise InputError("options", None, f"min load {self.min_load} exceeds max load {self.max_load}")
        if not 0 <= self.tolerance < 1 or not 0 <= self.fair_tolerance < 1:
            raise InputError("options", None, "tolerances must be in [0, 1)")
        if self.fair and self.seed is not None:
            raise InputError("options", None, "choose either a fair-panel run or a seeded draw, not both")


def _intern(values: Iterable[str], table: dict[str, int]) -> list[int]:
    return [table.setdefault(v, len(table)) for v in values]


def _csr(lists: Sequence[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    idx = np.fromiter((v for x in lists for v in x), dtype=np.int32, count=int(ptr[-1]))
    return ptr, idx


def index_pairs(source: str, app_col: Sequence[str], expert_col: Sequence[str], problem_ids: tuple,
                ) -> tuple[np.ndarray, np.ndarray]:
    """Map id columns to positions, rejecting unknown ids and duplicate pairs with the row number.

    ``problem_ids`` is ``(app_ids, expert_ids)``; a column given as an integer array already holds
    positions (the CSV reader maps ids while streaming). Returns int32 arrays of shape (n_rows,).
    """
    app_ids, expert_ids = problem_ids
    result = []
    for col, ids, what in ((app_col, app_ids, "application"), (expert_col, expert_ids, "expert")):
        if isinstance(col, np.ndarray) and col.dtype.kind == "i":
            bad = np.flatnonzero((col < 0) | (col >= len(ids)))
            if len(bad):
                raise InputError(source, int(bad[0]) + 2, f"no {what} at position {col[bad[0]]}")
            result.append(col.astype(np.int32, copy=False))
            continue
        lookup = {v: i for i, v in enumerate(ids)}
        pos = np.fromiter((lookup.get(v, -1) for v in col), dtype=np.int64, count=len(col))
        bad = np.flatnonzero(pos < 0)
        if len(bad):
            raise InputError(source, int(bad[0]) + 2, f"unknown {what} id {col[bad[0]]!r}")
        result.append(pos.astype(np.int32))
    code = result[0].astype(np.int64) * max(len(expert_ids), 1) + result[1]
    if _increasing(code):  # the usual file, sorted by (application, expert): no pair twice
        return result[0], result[1]
    order = np.argsort(code, kind="stable")
    dup = np.flatnonzero(code[order][1:] == code[order][:-1])
    if len(dup):
        row = int(order[dup + 1].min())
        pair = (app_ids[result[0][row]], expert_ids[result[1][row]])
        raise InputError(source, row + 2, f"duplicate pair ({pair[0]}, {pair[1]})")
    return result[0], result[1]


def pair_code(problem: Problem, app: np.ndarray, expert: np.ndarray) -> np.ndarray:
    """One int64 per position pair, ``app * n_experts + expert``: codes sort as the pairs do."""
    return app.astype(np.int64) * max(problem.n_experts, 1) + expert


def _increasing(code: np.ndarray) -> bool:
    return bool((code[1:] > code[:-1]).all())


def sort_pairs(app: np.ndarray, expert: np.ndarray, score: np.ndarray, n_experts: int) -> Pairs:
    """Pairs sorted by (app, expert), as the solver expects."""
    code = app.astype(np.int64) * max(n_experts, 1) + expert
    if _increasing(code):  # already in order (a sorted file): no copy through a permutation
        return Pairs(app.astype(np.int32, copy=False), expert.astype(np.int32, copy=False),
                     score.astype(np.int64, copy=False))
    order = np.argsort(code, kind="stable")
    del code
    return Pairs(app[order].astype(np.int32), expert[order].astype(np.int32), score[order].astype(np.int64))


def check_ids(records: Sequence, source: str) -> None:
    """Every record (anything with an ``id``) has a non-empty id of its own; InputError names the row."""
    seen: dict[str, int] = {}
    for row, rec in enumerate(records, start=2):
        if not rec.id:
            raise InputError(source, row, "empty id")
        if rec.id in seen:
            raise InputError(source, row, f"duplicate id {rec.id!r} (first at row {seen[rec.id]})")
        seen[rec.id] = row


def build_problem(applications: Sequence[Application], experts: Sequence[Expert],
                  affinity: tuple[Sequence[str], Sequence[str], Sequence[float]] | Pairs | None = None,
                  conflicts: tuple[Sequence[str], Sequence[str], Sequence[str]] | None = None,
                  sources: tuple[str, str, str, str] = ("applications", "experts", "affinity", "conflicts"),
                  ) -> Problem:
    """Build a :class:`Problem` from records, checking ids, duplicates and numbers.

    ``affinity`` is ``(app_ids, expert_ids, scores)`` with scores in [0, 1] (a score of 0 or a missing
    pair means unqualified), or None to derive affinity from field overlap; an id column given as an
    integer array holds positions in ``applications`` / ``experts`` instead (the columnar reader's and
    :meth:`TextAffinity.positions`' form: no Python object per pair), or ``affinity`` is a :class:`Pairs`
    table of positions and scores × SCALE (:attr:`TextAffinity.pairs`), kept as it is, without a copy, when
    sorted and without a pair twice (the same problem as its (ids, ids, scores) form). ``conflicts`` is
    ``(app_ids, expert_ids, reasons)``. Raises :class:`InputError` naming the source and row.
    """
    src_apps, src_experts, src_aff, src_conf = sources
    check_ids(applications, src_apps)
    check_ids(experts, src_experts)
    for row, ex in enumerate(experts, start=2):
        if ex.max_load is not None and ex.max_load < 0:
            raise InputError(src_experts, row, f"max_load must be a non-negative integer, got {ex.max_load}")
    for row, app in enumerate(applications, start=2):
        if not app.field.strip():
            raise InputError(src_apps, row, "empty field")
    fields: dict[str, int] = {}
    orgs: dict[str, int] = {}
    cities: dict[str, int] = {"": 0}  # city 0 = unknown, never counts as "same city"
    app_fields = [_intern([f.strip() for f in a.field.split(";") if f.strip()], fields) for a in applications]
    exp_fields = [_intern([f.strip() for f in e.fields if f.strip()], fields) for e in experts]
    app_orgs = [_intern([o for o in (a.lead_org, *a.member_orgs) if o], orgs) for a in applications]
    expert_org = np.array(_intern([e.org for e in experts], orgs), dtype=np.int32)
    app_city = np.array(_intern([a.city for a in applications], cities), dtype=np.int32)
    expert_city = np.array(_intern([e.city for e in experts], cities), dtype=np.int32)
    ids = (tuple(a.id for a in applications), tuple(e.id for e in experts))

    aff = None
    if isinstance(affinity, Pairs):
        aff = _own_pairs(src_aff, affinity, ids)
    elif affinity is not None:
        a_col, e_col, s_col = affinity
        score = np.asarray(s_col, dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(score) | (score < 0) | (score > 1))
        if len(bad):
            raise InputError(src_aff, int(bad[0]) + 2, f"score must be a number in [0, 1], got {s_col[bad[0]]}")
        ai, ei = index_pairs(src_aff, a_col, e_col, ids)
        scaled = score * SCALE
        s_int = np.rint(scaled, out=scaled).astype(np.int64)
        del scaled
        keep = s_int > 0
        if not keep.all():  # a score of 0 is no candidate
            ai, ei, s_int = ai[keep], ei[keep], s_int[keep]
        aff = sort_pairs(ai, ei, s_int, len(experts))
    reasons: tuple[str, ...] = ()
    if conflicts is not None and len(conflicts[0]):
        ca, ce = index_pairs(src_conf, conflicts[0], conflicts[1], ids)
        conf = sort_pairs(ca, ce, np.zeros(len(ca), dtype=np.int64), len(experts))
        order = np.argsort(ca.astype(np.int64) * max(len(experts), 1) + ce, kind="stable")
        reasons = tuple(str(conflicts[2][i]) for i in order)
    else:
        empty = np.zeros(0, dtype=np.int32)
        conf = Pairs(empty, empty, np.zeros(0, dtype=np.int64))

    app_field_ptr, app_field_idx = _csr(app_fields)
    expert_field_ptr, expert_field_idx = _csr(exp_fields)
    app_org_ptr, app_org_idx = _csr(app_orgs)
    return Problem(
        app_ids=ids[0], app_titles=tuple(a.title for a in applications), app_city=app_city,
        app_field_ptr=app_field_ptr, app_field_idx=app_field_idx,
        app_org_ptr=app_org_ptr, app_org_idx=app_org_idx,
        expert_ids=ids[1], expert_names=tuple(e.name for e in experts),
        expert_org=expert_org, expert_city=expert_city,
        expert_field_ptr=expert_field_ptr, expert_field_idx=expert_field_idx,
        expert_max_load=np.array([-1 if e.max_load is None else e.max_load for e in experts], dtype=np.int64),
        fields=tuple(fields), orgs=tuple(orgs), cities=tuple(cities),
        affinity=aff, conflicts=conf, conflict_reasons=reasons,
    )


def _own_pairs(source: str, pairs: Pairs, ids: tuple) -> Pairs:
    """A Pairs table for the problem of these ids (:func:`build_problem`): checked, sorted, scores of 0 left
    out; the arrays themselves when they need nothing of that."""
    score = np.asarray(pairs.score)
    bad = np.flatnonzero((score < 0) | (score > SCALE))
    if len(bad):
        raise InputError(source, int(bad[0]) + 2, f"score must be a number in [0, 1], got {score[bad[0]] / SCALE}")
    ai, ei = index_pairs(source, pairs.app, pairs.expert, ids)
    keep = score > 0
    if not keep.all():
        ai, ei, score = ai[keep], ei[keep], score[keep]
    return sort_pairs(ai, ei, score, len(ids[1]))


def capacities(problem: Problem, options: Options) -> np.ndarray:
    """Each expert's max load, shape (n_experts,): their own, or the round default where empty."""
    own = problem.expert_max_load
    return np.where(own >= 0, own, options.max_load).astype(np.int64)
