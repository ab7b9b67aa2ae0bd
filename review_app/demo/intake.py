"""The intake side of `flask seed-demo`: the formal check of the demo round, and a second round, an
annual self-evaluation of existing consortia in city intake, so a city login has something to do.

Idempotent like the rest of the demo: each part is found by what it made and not made twice. A
separate random stream keeps the main demo round exactly as it was.
"""

import random

from sqlmodel import Session, select

from ..models import Application, CheckResult, City, Consortium, Organisation, Round, RoundKind
from ..services.check import runner as check_runner
from ..services.intake import credit_codes
from . import open_call

ANNUAL_ROUND_NAME = "2026年度江苏省创新联合体年度自评"
ANNUAL_SEED = 20260701
# Existing consortia (built in earlier years), in cities other than 南京 so that 南京's login shows the
# new-consortium round alone; 苏州 has the most.
CONSORTIA = [
    ("江苏省第三代半导体创新联合体", "苏州市", "苏州晶瑞半导体股份有限公司", "集成电路", 2023),
    ("江苏省生物医药高端制剂创新联合体", "苏州市", "苏州恒康药业集团有限公司", "生物医药", 2024),
    ("江苏省纳米功能材料创新联合体", "苏州市", "苏州纳锐新材料有限公司", "纳米技术", 2024),
    ("江苏省物联网感知器件创新联合体", "无锡市", "无锡华感微电子股份有限公司", "新一代信息通信", 2023),
    ("江苏省智能电网装备创新联合体", "常州市", "常州中鼎电气集团有限公司", "智能电网", 2024),
    ("江苏省海工装备创新联合体", "南通市", "南通远航海洋工程有限公司", "海洋工程装备", 2023),
    ("江苏省工程机械智能化创新联合体", "徐州市", "徐州重鼎机械集团有限公司", "高端装备", 2024),
]


def seed(session: Session, *, main_round_name: str) -> None:
    """Check the main demo round once, and open the annual round once."""
    main = session.exec(select(Round).where(Round.name == main_round_name)).first()
    if main is not None and not _checked(session, main):
        check_runner.run_check(session, review_round=main, by=None, allow_frozen=True)
    if session.exec(select(Round).where(Round.name == ANNUAL_ROUND_NAME)).first() is None:
        _annual_round(session, random.Random(ANNUAL_SEED))


def _checked(session: Session, review_round: Round) -> bool:
    return (
        session.exec(
            select(CheckResult.id)
            .join(Application, Application.id == CheckResult.application_id)
            .where(Application.round_id == review_round.id)
        ).first()
        is not None
    )


def _annual_round(session: Session, rng: random.Random) -> Round:
    cities = {c.name: c for c in session.exec(select(City))}
    for name, city, lead_name, field, year in CONSORTIA:
        if session.exec(select(Consortium).where(Consortium.name == name)).first():
            continue
        lead = session.exec(select(Organisation).where(Organisation.name == lead_name)).first()
        if lead is None:
            while True:
                body = "".join(rng.choice(credit_codes.ALPHABET) for _ in range(8))
                code = credit_codes.make("9", "1", cities[city].code, body)
                if not session.exec(select(Organisation).where(Organisation.credit_code == code)).first():
                    break
            lead = Organisation(credit_code=code, name=lead_name, kind="企业", province="江苏省", city=city)
            session.add(lead)
            session.flush()
        session.add(
            Consortium(name=name, city_id=cities[city].id, lead_org_id=lead.id, field=field, established_year=year)
        )
    return open_call.open_round(session, name=ANNUAL_ROUND_NAME, kind=RoundKind.ANNUAL_EVALUATION, scoring_days=60)
