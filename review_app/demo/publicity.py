"""The close of a round in `flask seed-demo`: a small new-consortium round already scored, ranked and
approved, under public notice (公示) since today, with one objection received and not yet answered; its
cities' logins find the notice among their notifications. Idempotent: found by its name."""

import io
import random
from datetime import timedelta

from sqlmodel import Session, select

from ..models import (
    Application,
    ApplicationStatus,
    City,
    Expert,
    Organisation,
    Round,
    RoundKind,
    RoundStage,
    User,
)
from ..models._base import utcnow
from ..services import rounds
from ..services.decision import objections, publicity
from ..services.intake import credit_codes
from ..services.intake.organisations import lead_from_register
from ..services.platform.storage import FolderStore
from ..services.results import rank, selection
from . import materials
from .experts import accept_pledges
from .scoring import score_everything

PUBLICITY_ROUND_NAME = "2026年度江苏省创新联合体（首批·公示）"
PUBLICITY_SEED = 20261130
# (consortium, city, lead unit, field): the round's eight applications, the first four selected.
APPLICATIONS = [
    ("江苏省车规级芯片创新联合体", "南京市", "南京芯驰车规半导体有限公司", "集成电路"),
    ("江苏省高端医疗影像装备创新联合体", "苏州市", "苏州明影医疗科技股份有限公司", "高端装备"),
    ("江苏省氢能储运装备创新联合体", "无锡市", "无锡氢途能源装备有限公司", "新能源"),
    ("江苏省工业软件创新联合体", "南京市", "南京智研工业软件股份有限公司", "新一代信息通信"),
    ("江苏省先进碳纤维复合材料创新联合体", "常州市", "常州碳途新材料有限公司", "新材料"),
    ("江苏省海上风电运维创新联合体", "南通市", "南通海擎风电科技有限公司", "新能源"),
    ("江苏省创新药物制剂创新联合体", "泰州市", "泰州康和制药有限公司", "生物医药"),
    ("江苏省智能农机装备创新联合体", "盐城市", "盐城农创智能装备有限公司", "高端装备"),
]
SELECTED = 4
AGREEMENT_CLAUSES = "责任落实;协同攻关;决策运行;资金筹措;知识产权;利益分配"


def seed(session: Session, store: FolderStore) -> Round | None:
    """Make the round under notice once (it needs the main demo round's experts)."""
    if session.exec(select(Round).where(Round.name == PUBLICITY_ROUND_NAME)).first() is not None:
        return None
    experts = list(session.exec(select(Expert).order_by(Expert.code).limit(5)))
    if len(experts) < 5:
        return None
    rng = random.Random(PUBLICITY_SEED)
    review_round = rounds.create_round(session, name=PUBLICITY_ROUND_NAME, kind=RoundKind.NEW_CONSORTIUM, year=2026)
    review_round.city_deadline = utcnow() - timedelta(days=60)
    review_round.check_deadline = utcnow() - timedelta(days=45)
    review_round.scoring_deadline = utcnow() - timedelta(days=7)
    session.flush()
    applications = _applications(session, review_round, rng)
    materials.attach_all(session, store, [PUBLICITY_ROUND_NAME])  # the PDFs every demo application has
    _scores(session, review_round, applications, experts, rng)
    accept_pledges(session)  # no saved sheet without the pledge accepted
    review_round.stage = RoundStage.CLOSED
    run = rank.aggregate(session, review_round=review_round, method="calibrated", seed=0, by=None)
    selection.set_cutoff(session, run=run, cutoff=SELECTED, by=None)
    selection.approve(session, run=run, by=None)
    publicity.start(session, review_round=review_round, by=None)
    _objection(session, review_round, store)
    return review_round


def _applications(session: Session, review_round: Round, rng: random.Random) -> list[Application]:
    cities = {c.name: c for c in session.exec(select(City))}
    made = []
    for n, (title, city, lead_name, field) in enumerate(APPLICATIONS, start=1):
        lead = session.exec(select(Organisation).where(Organisation.name == lead_name)).first()
        if lead is None:
            while True:
                code = credit_codes.make("9", "1", cities[city].code,
                                         "".join(rng.choice(credit_codes.ALPHABET) for _ in range(8)))
                if not session.exec(select(Organisation).where(Organisation.credit_code == code)).first():
                    break
            lead = Organisation(credit_code=code, name=lead_name, kind="企业", province="江苏省", city=city)
            session.add(lead)
            session.flush()
        application = Application(
            round_id=review_round.id, code=f"2026G{n:03d}", title=title, field=field, city_id=cities[city].id,
            lead_kind="龙头企业", **lead_from_register(lead), status=ApplicationStatus.SUBMITTED,
            submitted_at=utcnow() - timedelta(days=70), agreement_clauses=AGREEMENT_CLAUSES,
        )
        session.add(application)
        made.append(application)
    session.flush()
    return made


def _scores(session: Session, review_round: Round, applications: list[Application], experts: list[Expert],
            rng: random.Random) -> None:
    """Every expert scores every application: better the earlier it is listed, with some noise."""
    position = {a.id: n for n, a in enumerate(applications)}
    score_everything(session, review_round, applications, experts, rng, when=utcnow(),
                     share=lambda a: 0.93 - 0.05 * position[a.id], recommend=lambda a: position[a.id] < SELECTED)


def _objection(session: Session, review_round: Round, store: FolderStore) -> None:
    """One real-name objection by letter to the second listed application, with the letter as a PDF."""
    from pypdf import PdfWriter
    target = session.exec(
        select(Application).where(Application.round_id == review_round.id, Application.code == "2026G002")
    ).one()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    letter = io.BytesIO()
    writer.write(letter)
    centre = session.exec(select(User).where(User.username == "admin")).first()
    objections.receive(
        session,
        review_round=review_round,
        data=objections.Received(
            application_id=target.id, received_on=publicity.notice_of(session, round_id=review_round.id).starts_on,
            channel="letter", real_name=True, objector="陈建国", contact="chenjg@example.cn",
            content="反映该联合体申报材料中所列两家成员单位的共建协议签署日期晚于申报截止日期，请予核查。",
            owner_id=centre.id if centre else None,
        ),
        files=[("异议来信.pdf", letter.getvalue())],
        store=store,
        by=centre,
    )
