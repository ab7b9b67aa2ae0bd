"""What a run returns: a frozen Result, a Diagnosis of an infeasible instance, check Violations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Reason:
    """One reason an instance cannot be solved, with the numbers a centre can act on.

    ``kind``: ``application`` (one application lacks candidates), ``field`` (the applications of a field
    need more expert slots than its experts can give), ``group`` (a minimum cut: a set of applications
    that together lack capacity), ``total`` (the whole pool is too small), ``min_load`` (the load floor
    cannot be met), ``pin`` (a pinned pair breaks a rule). ``need``/``have``/``short`` count expert slots
    (or experts); ``subjects`` are the ids concerned (applications, or a field name).
    """

    kind: str
    subjects: tuple[str, ...]
    need: int
    have: int
    message: str
    message_zh: str

    @property
    def short(self) -> int:
        return max(self.need - self.have, 0)


@dataclass(frozen=True)
class Diagnosis:
    """Why no valid assignment exists (``feasible`` False), or that one exists (``feasible`` True)."""

    feasible: bool
    reasons: tuple[Reason, ...] = ()

    def to_dict(self) -> dict:
        return {"feasible": self.feasible,
                "reasons": [asdict(r) | {"short": r.short} for r in self.reasons]}


class Infeasible(Exception):
    """Raised by solve() and replace() when no valid assignment exists; carries the diagnosis."""

    def __init__(self, diagnosis: Diagnosis, seconds: float = 0.0):
        self.diagnosis, self.seconds = diagnosis, seconds
        super().__init__("; ".join(r.message for r in diagnosis.reasons) or "infeasible")


@dataclass(frozen=True)
class Result:
    """A valid assignment and how good it is.

    ``pairs`` are (app_id, expert_id) sorted by application then expert. ``objective`` is the total
    affinity; ``bound`` the best total any assignment can reach under the same hard rules and load
    bounds (the exact flow optimum); ``loss`` is ``1 - objective / bound``. Loads are counted over the
    experts with at least one candidate application. ``worst_panel`` is the smallest panel affinity.
    ``status`` is OPTIMAL when the objective is proven optimal for the mode, otherwise FEASIBLE.
    """

    status: str
    mode: str
    pairs: tuple[tuple[str, str], ...]
    objective: float
    bound: float
    seconds: float
    load_min: int
    load_max: int
    worst_panel: float
    seed: int | None = None
    load_bounds: tuple[int, int] | None = None
    details: dict = field(default_factory=dict)

    @property
    def load_spread(self) -> int:
        return self.load_max - self.load_min

    @property
    def loss(self) -> float:
        return 0.0 if self.bound <= 0 else max(0.0, 1.0 - self.objective / self.bound)

    def summary(self) -> dict:
        """The JSON object the CLI prints."""
        out = {"status": self.status, "mode": self.mode, "objective": round(self.objective, 6),
               "bound": round(self.bound, 6), "loss": round(self.loss, 9),
               "seconds": round(self.seconds, 3), "pairs": len(self.pairs),
               "load_min": self.load_min, "load_max": self.load_max, "load_spread": self.load_spread,
               "worst_panel": round(self.worst_panel, 6), "seed": self.seed}
        if self.load_bounds is not None:
            out["load_bounds"] = list(self.load_bounds)
        return out | self.details


@dataclass(frozen=True)
class Violation:
    """One broken rule in a checked assignment. ``code`` is machine-readable (e.g. ``panel_size``,
    ``over_load``, ``org``, ``declared``, ``unqualified``, ``same_city``, ``org_diverse``, ``forbidden``,
    ``pin_missing``, ``duplicate``, ``under_load``)."""

    code: str
    app_id: str | None
    expert_id: str | None
    message: str
    message_zh: str
