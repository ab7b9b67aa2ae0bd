"""Generate the labelled set (or the L preset) of the affinity benchmark, deterministically.

    python bench/affinity/generate.py labelled bench/affinity/data/labelled    # 600 applications × 750 experts
    python bench/affinity/generate.py L bench/affinity/data/L                  # 10,000 × 15,000, timing only

Writes, in the affinity command's formats, ``applications.csv`` (app_id,field,keywords,text) and
``experts.csv`` (expert_id,fields,keywords,text), and ``truth.csv`` (id,kind,field,topic,second_topic):
the sub-topic each application is about and each expert works on, from which the correct matches follow
(run.py: grade 2 = the expert's own sub-topic is the application's, 1 = same field or the expert's second
sub-topic, 0 otherwise).

The world is vocabulary.py's: 25 fields in 9 groups of near neighbours, 3 sub-topics each of 8 terms.
Texts are short and noisy on purpose: applicants write with a sub-topic's first six terms and experts with
its last six (four shared), both add terms from anywhere in their field and from a neighbouring field (the
near misses: a 新能源汽车 application mentions 自动驾驶; a 智能网联汽车 expert lists 新能源汽车 as a second
field), a third of the experts write one line only, one in twenty nothing.
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass
from pathlib import Path

from vocabulary import BOILERPLATE, PROFILE_BOILERPLATE, WORLD

SIZES = {"labelled": (8, 10), "L": (10_000 / 75, 15_000 / 75), "L-long": (10_000 / 75, 15_000 / 75)}
#: L-long: each application also carries about this many characters of "first pages" (申请书 text).
LONG_PAGES = 3_000


@dataclass(frozen=True)
class Topic:
    group: str
    field: str
    name: str
    terms: tuple[str, ...]


TOPICS = [Topic(g, f, t, tuple(terms.split())) for g, fields in WORLD.items() for f, topics in fields.items()
          for t, terms in topics.items()]
FIELDS = list(dict.fromkeys(t.field for t in TOPICS))


def siblings(topic: Topic) -> list[Topic]:
    return [t for t in TOPICS if t.field == topic.field and t != topic]


def neighbours(topic: Topic) -> list[Topic]:
    """Sub-topics of the other fields of the same group (the near misses)."""
    return [t for t in TOPICS if t.group == topic.group and t.field != topic.field]


def field_pool(topic: Topic) -> list[str]:
    """Every term of the topic's field: what blurs the line between its sub-topics."""
    return [term for t in TOPICS if t.field == topic.field for term in t.terms]


def application(rng: random.Random, topic: Topic) -> tuple[list[str], str]:
    """Keywords and 摘要 of an application about ``topic``: three of its terms (from the first six: the
    applicants' words), two from anywhere in the field, one of a neighbouring field; three in ten also
    cover a sibling sub-topic."""
    own = rng.sample(topic.terms[:6], 3)
    anywhere = rng.sample(field_pool(topic), 2)
    near = rng.choice(rng.choice(neighbours(topic)).terms)
    keywords = own[:2] + [anywhere[0]]
    parts = [
        f"本项目面向{topic.field}领域，聚焦{own[0]}与{anywhere[0]}，",
        f"重点突破{own[1]}和{own[2]}等关键技术，研制{anywhere[1]}并开展验证；同时开展{near}协同研究。",
        *rng.sample(BOILERPLATE, 2),
    ]
    if rng.random() < 0.3:
        sib = rng.sample(rng.choice(siblings(topic)).terms, 2)
        keywords.append(sib[0])
        parts.insert(2, f"并拓展{sib[0]}、{sib[1]}方向。")
    return keywords, "".join(parts)


def first_pages(rng: random.Random, topic: Topic, size: int) -> str:
    """About ``size`` characters of an application form's first pages: its sub-topic's and its field's terms
    in the sentences of such documents, and boilerplate."""
    parts, length = [], 0
    while length < size:
        a, b = rng.sample(topic.terms, 2)
        sentence = rng.choice([
            f"围绕{a}的工程化难题，联合体成员分工协作，{rng.choice(field_pool(topic))}方向由高校牵头攻关。",
            f"{a}与{b}是本领域的共性瓶颈，项目拟建设中试线，形成年产规模的示范能力。",
            rng.choice(BOILERPLATE),
        ])
        parts.append(sentence)
        length += len(sentence)
    return "".join(parts)


def expert(rng: random.Random, topic: Topic, second: Topic) -> tuple[list[str], str]:
    """Keywords and 研究方向 + 代表性成果 of an expert working on ``topic`` (and a little on ``second``): two of
    its terms from the last six (the experts' words overlap the applicants' on four of eight), one from
    anywhere in the field, one of ``second``; a third of the experts write only a line of 研究方向."""
    own = rng.sample(topic.terms[2:], 2)
    anywhere = rng.choice(field_pool(topic))
    other = rng.choice(second.terms)
    if rng.random() < 0.33:
        return [own[0]], f"研究方向：{topic.field}、{own[0]}。"
    keywords = [own[0], anywhere, other]
    directions = f"研究方向：{own[0]}、{anywhere}、{other}。"
    achievements = f"代表性成果：在{own[1]}方面取得系列成果，参与{other}相关项目。{rng.choice(PROFILE_BOILERPLATE)}"
    return keywords, directions + achievements


def generate(preset: str, folder: Path, seed: int) -> None:
    rng = random.Random(seed)
    per_topic_apps, per_topic_experts = SIZES[preset]
    folder.mkdir(parents=True, exist_ok=True)
    truth = []
    apps, experts = [], []
    for t_index, topic in enumerate(TOPICS):
        n_apps = int(per_topic_apps) + (rng.random() < per_topic_apps % 1)
        for i in range(n_apps):
            app_id = f"A{t_index:02d}{i:04d}"
            keywords, text = application(rng, topic)
            if preset == "L-long":
                text += first_pages(rng, topic, LONG_PAGES)
            apps.append([app_id, topic.field, ";".join(keywords), text])
            truth.append([app_id, "application", topic.field, topic.name, ""])
        n_experts = int(per_topic_experts) + (rng.random() < per_topic_experts % 1)
        for j in range(n_experts):
            expert_id = f"E{t_index:02d}{j:04d}"
            second = rng.choice(siblings(topic)) if rng.random() < 0.6 else rng.choice(neighbours(topic))
            fields = [topic.field]
            if rng.random() < 0.4:  # a second field, usually a neighbour of the same group
                fields.append(second.field if second.field != topic.field else rng.choice(FIELDS))
                fields = list(dict.fromkeys(fields))
            keywords, text = expert(rng, topic, second)
            if rng.random() < 0.05:  # an expert who never filled in the profile
                keywords, text = [], ""
            experts.append([expert_id, ";".join(fields), ";".join(keywords), text])
            truth.append([expert_id, "expert", topic.field, topic.name, second.name])
    rng.shuffle(experts)  # the order of the pool says nothing
    for name, header, rows in (("applications.csv", ["app_id", "field", "keywords", "text"], apps),
                               ("experts.csv", ["expert_id", "fields", "keywords", "text"], experts),
                               ("truth.csv", ["id", "kind", "field", "topic", "second_topic"], truth)):
        with open(folder / name, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", choices=sorted(SIZES))
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    generate(args.preset, args.out, args.seed)


if __name__ == "__main__":
    main()
