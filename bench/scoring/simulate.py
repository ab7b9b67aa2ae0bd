"""Simulated review rounds with a known truth.

Model of one round (all draws from one ``np.random.Generator``)::

    quality q_i ~ N(0, sd_quality)                      per application
    leniency b_j ~ N(0, sd_leniency), spread s_j ~ LogNormal(0, sd_log_spread)   per expert
    total = clip(round(base + b_j + s_j * q_i + e), 0, 100),  e ~ N(0, sd_noise)

Fields may have their own level (``field_sd`` > 0): every application of field f gets
``+ Q_f`` on its quality and every expert of field f ``+ B_f`` on their leniency, with
``Q_f, B_f ~ N(0, field_sd)`` drawn from a second generator (so the other draws are those
of the same seed without field levels); the truth is then the order of ``q + Q``.

Assignment is realistic: applications and experts belong to fields; each of an
application's k experts comes from its own field, except with probability
``p_cross`` from any field (so the reviewer graph is weakly connected); experts
are drawn in proportion to an "activity" weight (LogNormal(0, activity_sd):
some experts are asked often, many once) among those under the load cap.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Scenario:
    name: str
    n_apps: int = 65
    k: int = 5
    n_experts: int = 300
    n_fields: int = 8
    max_load: int = 5
    activity_sd: float = 1.0
    p_cross: float = 0.1
    exact_load: int | None = None  # every expert scores exactly this many (load study)
    base: float = 72.0
    sd_quality: float = 8.0
    sd_leniency: float = 6.0
    sd_log_spread: float = 0.3
    sd_noise: float = 6.0
    n_careless: int = 0  # reviews replaced by a careless extreme score
    field_sd: float = 0.0  # SD of each field's own quality and own leniency


SCENARIOS = {
    # 65 applications, a pool of 300 experts: about half the experts used score one application.
    "realistic": Scenario("realistic"),
    # The same round with 5 careless extreme scores (0-20 or 100 regardless of the application).
    "careless": Scenario("careless", n_careless=5),
    # The realistic round with 7 experts per application (the notice's usual range is 5-7).
    "realistic_k7": Scenario("realistic_k7", k=7),
    # 1,000 applications, 330 experts carrying 10-20 each.
    "heavy": Scenario("heavy", n_apps=1000, n_experts=330, n_fields=10, max_load=20, activity_sd=0.3),
    # 10,000 applications for speed (and quality at scale).
    "large": Scenario("large", n_apps=10_000, n_experts=3000, n_fields=20, max_load=20, activity_sd=0.3),
    # Experts review within their field and fields differ in leniency and in true quality:
    # weakly linked (2 % of the experts chosen across fields) and fully split into fields.
    "fields": Scenario("fields", p_cross=0.02, field_sd=5.0),
    "fields_split": Scenario("fields_split", p_cross=0.0, field_sd=5.0),
    # The same with heavy loads: 300 applications, experts carrying 5-10 each.
    "fields_heavy": Scenario(
        "fields_heavy", n_apps=300, n_experts=200, n_fields=6, max_load=10, activity_sd=0.3, p_cross=0.02, field_sd=5.0
    ),
}


def load_scenario(load: int, n_apps: int = 300) -> Scenario:
    """Every expert scores exactly ``load`` applications (the load study)."""
    return replace(
        SCENARIOS["realistic"],
        name=f"load{load}",
        n_apps=n_apps,
        n_experts=n_apps * 5 // load,
        n_fields=4,
        exact_load=load,
        max_load=load,
    )


@dataclass(frozen=True, eq=False)
class Round:
    scenario: Scenario
    app: np.ndarray  # (n_reviews,) sorted by app, then expert
    expert: np.ndarray  # (n_reviews,)
    total: np.ndarray  # (n_reviews,) integer-valued floats in 0..100
    quality: np.ndarray  # (n_apps,)
    leniency: np.ndarray  # (n_experts,)
    spread: np.ndarray  # (n_experts,)
    careless: np.ndarray  # (n_reviews,) bool
    app_field: np.ndarray  # (n_apps,)


def _assign(sc: Scenario, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    app_field = rng.integers(sc.n_fields, size=sc.n_apps)
    expert_field = np.arange(sc.n_experts) % sc.n_fields
    if sc.exact_load:
        # Each expert gets exactly `load` slots; shuffle slots within field, a few across.
        slots = np.repeat(np.arange(sc.n_experts), sc.exact_load)
        rng.shuffle(slots)
        apps, experts = [], []
        pool = list(slots)
        for i in range(sc.n_apps):
            chosen: list[int] = []
            for _ in range(sc.k):
                cand = [p for p in range(min(len(pool), 60)) if pool[p] not in chosen]
                cand = cand or [p for p in range(len(pool)) if pool[p] not in chosen]
                if not cand:
                    break
                same = [p for p in cand if expert_field[pool[p]] == app_field[i]]
                pick = same[0] if same and rng.random() > sc.p_cross else cand[0]
                chosen.append(pool.pop(pick))
            apps += [i] * len(chosen)
            experts += chosen
        return np.array(apps), np.array(experts), app_field
    activity = rng.lognormal(0.0, sc.activity_sd, size=sc.n_experts)
    load = np.zeros(sc.n_experts, dtype=int)
    apps, experts = [], []
    for i in rng.permutation(sc.n_apps):
        chosen = np.zeros(sc.n_experts, dtype=bool)
        for _ in range(sc.k):
            ok = (load < sc.max_load) & ~chosen
            own = ok & (expert_field == app_field[i])
            elig = own if own.any() and rng.random() > sc.p_cross else ok
            p = activity * elig
            j = int(rng.choice(sc.n_experts, p=p / p.sum()))
            chosen[j] = True
            load[j] += 1
            apps.append(int(i))
            experts.append(j)
    return np.array(apps), np.array(experts), app_field


def simulate(sc: Scenario, seed: int, assign=None) -> Round:
    """One round; ``assign(scenario, rng)`` replaces the random assignment (bench/scoring/panels.py)."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(0.0, sc.sd_quality, sc.n_apps)
    leniency = rng.normal(0.0, sc.sd_leniency, sc.n_experts)
    spread = rng.lognormal(0.0, sc.sd_log_spread, sc.n_experts)
    app, expert, app_field = (assign or _assign)(sc, rng)
    if sc.field_sd > 0:
        frng = np.random.default_rng([seed, 1])
        field_q, field_b = frng.normal(0.0, sc.field_sd, (2, sc.n_fields))
        quality = quality + field_q[app_field]
        leniency = leniency + field_b[np.arange(sc.n_experts) % sc.n_fields]
    order = np.lexsort((expert, app))
    app, expert = app[order], expert[order]
    raw = sc.base + leniency[expert] + spread[expert] * quality[app] + rng.normal(0, sc.sd_noise, app.size)
    total = np.clip(np.round(raw), 0, 100)
    careless = np.zeros(app.size, dtype=bool)
    if sc.n_careless:
        idx = rng.choice(app.size, size=sc.n_careless, replace=False)
        careless[idx] = True
        low = rng.random(sc.n_careless) < 0.5
        total[idx] = np.where(low, np.round(rng.uniform(0, 20, sc.n_careless)), 100.0)
    return Round(sc, app, expert, total, quality, leniency, spread, careless, app_field)
