"""Generate benchmark instances (CSV folders of design.md) for the presets S, M, L, XL, XL10.

    python bench/assignment/generate.py S bench/assignment/data/S [--seed 1]

Realistic structure: fields are a two-level hierarchy (discipline / subfield); experts list 1–3
subfields, mostly of one discipline; orgs are shared between experts and applications (so the lead /
member conflict bites); cities are the 13 of Jiangsu (and 31 provinces' capitals at national scale);
a few declared conflicts; capacity is tight (total max load ≈ 1.3 × the slots, some experts lower).

S and M derive affinity from field overlap (no affinity.csv); L and XL ship a sparse affinity.csv with
``qualified`` experts per application drawn from the application's discipline, scored higher on the
same subfield.
"""

from __future__ import annotations

import argparse
import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

JIANGSU = ["南京市", "无锡市", "徐州市", "常州市", "苏州市", "南通市", "连云港市", "淮安市", "盐城市", "扬州市",
           "镇江市", "泰州市", "宿迁市"]
NATIONAL = JIANGSU + ["北京市", "上海市", "杭州市", "合肥市", "广州市", "深圳市", "武汉市", "成都市", "西安市",
                      "长沙市", "天津市", "重庆市", "济南市", "郑州市", "福州市", "沈阳市", "哈尔滨市", "昆明市"]
DISCIPLINES = ["集成电路", "生物医药", "新能源", "人工智能", "高端装备", "新材料", "航空航天", "低空经济", "量子科技",
               "智能网联汽车", "海洋工程", "节能环保", "现代农业", "新一代信息技术", "生物制造", "氢能"]


@dataclass(frozen=True)
class Preset:
    n_apps: int
    n_experts: int
    k: int
    disciplines: int
    subfields: int  # per discipline
    qualified: tuple[int, int] | None  # affinity.csv with this many experts per application, or None
    national: bool = False

    @property
    def max_load(self) -> int:
        return max(3, math.ceil(1.3 * self.n_apps * self.k / self.n_experts))


PRESETS = {
    "S": Preset(65, 300, 5, 16, 1, None),
    "M": Preset(1_000, 3_000, 5, 16, 4, None),
    "L": Preset(10_000, 15_000, 5, 40, 5, (100, 300)),
    "XL": Preset(50_000, 60_000, 3, 200, 5, (60, 120), national=True),
    "XL10": Preset(50_000, 60_000, 3, 200, 5, (140, 260), national=True),  # ≈ 10 M pairs, 220 MB
}


def _field(p: Preset, d: int, s: int) -> str:
    name = DISCIPLINES[d % len(DISCIPLINES)] + (f"{d // len(DISCIPLINES) + 1}" if d >= len(DISCIPLINES) else "")
    return name if p.subfields == 1 else f"{name}/{s + 1}"


def generate(p: Preset, folder: Path, rng: np.random.Generator) -> None:
    """Write applications.csv, experts.csv, conflicts.csv and (L, XL) affinity.csv into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    cities = NATIONAL if p.national else JIANGSU
    n_orgs = max(p.n_experts // 6, 20)
    # Experts: one home discipline, 1–3 subfields in it (sometimes one outside), an org, a city.
    e_disc = rng.integers(0, p.disciplines, p.n_experts)
    e_sub = rng.integers(0, p.subfields, (p.n_experts, 3))
    e_nf = rng.integers(1, 4, p.n_experts) if p.subfields > 1 else rng.integers(1, 3, p.n_experts)
    e_org = rng.integers(0, n_orgs, p.n_experts)
    e_city = rng.integers(0, len(cities), p.n_experts)
    own_load = rng.random(p.n_experts) < 0.2
    e_load = np.where(own_load, rng.integers(1, p.max_load + 1, p.n_experts), -1)
    with open(folder / "experts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "org", "city", "fields", "max_load"])
        for j in range(p.n_experts):
            subs = list(dict.fromkeys(int(s) for s in e_sub[j, : e_nf[j]]))
            fields = [_field(p, int(e_disc[j]), s) for s in subs]
            if e_nf[j] > 1 and rng.random() < 0.3:  # a second discipline, listed last
                fields[-1] = _field(p, int(rng.integers(0, p.disciplines)), int(e_sub[j, 2]))
            w.writerow([f"E{j:06d}", f"专家{j}", f"ORG{e_org[j]:05d}", cities[e_city[j]], ";".join(fields),
                        "" if e_load[j] < 0 else int(e_load[j])])
    # Applications: a discipline weighted like the pool, a lead and 2–6 member orgs, a city.
    a_disc = e_disc[rng.integers(0, p.n_experts, p.n_apps)]
    a_sub = rng.integers(0, p.subfields, p.n_apps)
    with open(folder / "applications.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "field", "lead_org", "member_orgs", "city"])
        for i in range(p.n_apps):
            orgs = rng.choice(n_orgs, int(rng.integers(3, 8)), replace=False)
            w.writerow([f"A{i:06d}", f"创新联合体{i}", _field(p, int(a_disc[i]), int(a_sub[i])),
                        f"ORG{orgs[0]:05d}", ";".join(f"ORG{o:05d}" for o in orgs[1:]),
                        cities[rng.integers(0, len(cities))]])
    by_disc = [np.flatnonzero(e_disc == d) for d in range(p.disciplines)]
    conflicts = []
    if p.qualified is not None:
        with open(folder / "affinity.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["app_id", "expert_id", "score"])
            for i in range(p.n_apps):
                pool = by_disc[a_disc[i]]
                n = min(int(rng.integers(p.qualified[0], p.qualified[1] + 1)), len(pool))
                chosen = rng.choice(pool, n, replace=False)
                same = (e_sub[chosen, :] == a_sub[i]).any(axis=1)
                score = np.where(same, rng.uniform(0.6, 1.0, n), rng.uniform(0.05, 0.6, n)).round(3)
                w.writerows((f"A{i:06d}", f"E{j:06d}", f"{s:.3f}") for j, s in zip(chosen, score, strict=True))
                if rng.random() < 0.02:
                    conflicts.append((i, int(chosen[0])))
    else:
        for i in rng.choice(p.n_apps, max(p.n_apps // 50, 1), replace=False):
            pool = by_disc[a_disc[i]]
            conflicts.append((int(i), int(pool[rng.integers(len(pool))])))
    with open(folder / "conflicts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["app_id", "expert_id", "reason"])
        w.writerows((f"A{i:06d}", f"E{j:06d}", "近三年合作") for i, j in conflicts)
    (folder / "params.txt").write_text(f"k={p.k} max_load={p.max_load}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", choices=sorted(PRESETS))
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(PRESETS[args.preset], args.out, np.random.default_rng(args.seed))


if __name__ == "__main__":
    main()
