"""`flask seed-demo`: a realistic 2026 round with scoring under way, made the same way every time."""

import random
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from ..models import (
    Application,
    ApplicationMember,
    ApplicationStatus,
    City,
    Conflict,
    ConflictDeclaration,
    ConflictSource,
    Criterion,
    Expert,
    Organisation,
    Role,
    Round,
    RoundKind,
    RoundStage,
    ScoreItem,
    ScoreSheet,
    SheetStatus,
    User,
)
from ..models._base import utcnow
from ..services import rounds
from ..services.assign import proposals
from ..services.assign.problem import RunChoices
from ..services.compliance import audit
from ..services.intake import credit_codes
from ..services.intake.organisations import lead_from_register, member_from_register
from ..services.platform import passwords
from ..services.platform.storage import FolderStore
from . import annual_grades, assignment_check, entry, intake, materials, open_call, publicity, self_evaluation, texts
from . import experts as showcase
from .data import (
    BRAND_CHARS,
    CITY_LOGINS,
    COMMENTS,
    CONFLICT_REASONS,
    DELTA_PARTNERS,
    FIELDS,
    GIVEN_CHARS,
    INDUSTRY_WORDS,
    INSTITUTES,
    PLATFORM_LEADS,
    SERVICE_BODIES,
    SURNAMES,
    TITLES,
    UNIVERSITIES,
)

DEMO_ROUND_NAME = "2026年度江苏省创新联合体（新建申报）"
DEMO_PASSWORD = "Jiangsu2026"
DEMO_SEED = 20260615
N_EXPERTS = 300
APPLICATIONS_PER_CITY = 5
DIVISION = {"上海市": "310000", "杭州市": "330100", "合肥市": "340100"}
ALL_AGREEMENT_CLAUSES = "责任落实;协同攻关;决策运行;资金筹措;知识产权;利益分配"


def seed(session: Session, store: FolderStore) -> list[tuple[str, str, str]]:
    """Create the demo round once (it is found by name afterwards; its assignment's instance is frozen in
    `store`, the upload store) and return the demo logins as (role, username, who) rows."""
    if session.exec(select(Round).where(Round.name == DEMO_ROUND_NAME)).first() is None:
        _Builder(session, random.Random(DEMO_SEED), store).build()
        session.commit()
    showcase.accept_pledges(session)  # no saved sheet without the pledge accepted
    entry.declare(session, round_name=DEMO_ROUND_NAME)  # members' declarations (issue 16), before the check
    materials.attach_all(session, store, [DEMO_ROUND_NAME])  # the PDFs, before the formal check reads them
    session.commit()
    intake.seed(session, main_round_name=DEMO_ROUND_NAME)  # the formal check, and an annual round in intake
    open_call.open_second_call(session)  # a second new-consortium round in city intake
    materials.attach_all(session, store, [intake.ANNUAL_ROUND_NAME, open_call.OPEN_ROUND_NAME])
    entry.second_batch(session, store)  # a city's order, stamped summary and a send-back (issue 16)
    session.commit()
    self_evaluation.seed(session, store)  # structured annual reports: filed, with gaps, a draft (issue 22)
    session.commit()
    publicity.seed(session, store)  # a small round under public notice, one objection received
    session.commit()
    annual_grades.seed(session, store)  # the 2024 and 2025 annual evaluations, graded and published (issue 22)
    session.commit()
    assignment_check.seed(session, round_name=DEMO_ROUND_NAME)  # last: the console's stored feasibility check
    return _logins(session)


class _Builder:
    def __init__(self, session: Session, rng: random.Random, store: FolderStore):
        self.session, self.rng, self.store = session, rng, store
        self.cities = {c.name: c for c in session.exec(select(City))}
        self.used_bodies: set[str] = set()
        # Every consortium has its own topic: draw (field, topic) pairs without replacement.
        self.topics = [(f, t) for f, topics in FIELDS.items() for t in topics]
        rng.shuffle(self.topics)
        self.password_hash = passwords.hash_password(DEMO_PASSWORD)  # one hash: these are demo accounts

    def build(self) -> None:
        review_round = rounds.create_round(self.session, name=DEMO_ROUND_NAME, kind=RoundKind.NEW_CONSORTIUM, year=2026)
        now = utcnow()
        review_round.city_deadline = now - timedelta(days=30)
        review_round.check_deadline = now - timedelta(days=14)
        review_round.scoring_deadline = now + timedelta(days=10)
        review_round.avoid_same_city = False
        review_round.stage = RoundStage.ASSIGNMENT
        academia = self._academia()
        applications = [
            self._application(review_round, city, index, academia)
            for city in self.cities.values()
            for index in range(1, APPLICATIONS_PER_CITY + 1)
        ]
        experts = self._experts(academia, applications)
        self._declared_conflicts(experts, applications)
        self._accounts(experts)
        self.session.flush()
        showcase.pin_showcase_expert(self.session, review_round, applications)
        choices = RunChoices(seed=DEMO_SEED)
        run = proposals.propose(self.session, review_round=review_round, choices=choices, by=None, store=self.store)
        proposals.publish(self.session, run=run, by=None)
        self._scores_in_progress(review_round)
        showcase.show_every_state(self.session, review_round)
        audit.record(
            self.session,
            action="demo.seed",
            round_id=review_round.id,
            details={"applications": len(applications), "experts": len(experts)},
        )

    # Organisations -----------------------------------------------------------------------------

    def _org(
        self, name: str, kind: str, city: str, province: str = "江苏省", authority: str = "9", category: str = "1"
    ) -> Organisation:
        existing = self.session.exec(select(Organisation).where(Organisation.name == name)).first()
        if existing:
            return existing
        division = self.cities[city].code if city in self.cities else DIVISION.get(city, "320000")
        while True:
            body = "".join(self.rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
            if body not in self.used_bodies:
                self.used_bodies.add(body)
                break
        org = Organisation(
            credit_code=credit_codes.make(authority, category, division, body),
            name=name,
            kind=kind,
            province=province,
            city=city,
        )
        self.session.add(org)
        self.session.flush()
        return org

    def _academia(self) -> list[Organisation]:
        orgs = [self._org(n, "高校", c, authority="1", category="2") for n, c in UNIVERSITIES]
        orgs += [self._org(n, "科研院所", c, authority="1", category="2") for n, c in INSTITUTES]
        return orgs

    def _company(self, city: City, field: str, kind: str = "企业") -> Organisation:
        short = city.name.removesuffix("市")
        brand = "".join(self.rng.sample(BRAND_CHARS, 2))
        suffix = self.rng.choice(["股份有限公司", "有限公司", "集团有限公司"])
        return self._org(f"{short}{brand}{INDUSTRY_WORDS[field]}{suffix}", kind, city.name)

    # Applications ------------------------------------------------------------------------------

    def _application(self, review_round: Round, city: City, index: int, academia: list[Organisation]):
        rng = self.rng
        field, topic = self.topics.pop()
        platform = rng.random() < 0.05
        if platform:
            name, lead_kind, _ = rng.choice(PLATFORM_LEADS)
            lead = self._org(name, "重大科技平台", city.name, authority="1", category="2")
        else:
            lead_kind = rng.choices(["龙头企业", "领军企业", "独角兽企业", "新锐科技企业"], [6, 2, 1, 1])[0]
            lead = self._company(city, field, "企业")
        code = f"2026{city.code[:4]}{index:02d}"
        keywords, abstract = texts.application_texts(code, field, topic)
        application = Application(
            round_id=review_round.id,
            code=code,
            keywords=keywords,
            abstract=abstract,
            title=f"江苏省{topic}创新联合体",
            field=field,
            city_id=city.id,
            lead_kind=lead_kind,
            **lead_from_register(lead),
            revenue_2025=Decimal(f"{rng.uniform(10.5, 260):.2f}")
            if lead_kind == "龙头企业"
            else Decimal(f"{rng.uniform(1, 40):.2f}"),
            rd_intensity_2025=Decimal(f"{rng.uniform(3.1, 9.5):.2f}"),
            agreement_clauses=ALL_AGREEMENT_CLAUSES,
            city_opinion=f"该联合体聚焦{field}领域{topic}关键核心技术，牵头单位创新能力强，同意推荐。",
            necessity=f"{topic}是{city.name}重点培育的产业链环节，组建联合体有利于突破关键技术瓶颈。",
            feasibility="牵头单位研发基础扎实，成员单位分工明确，共建协议完备，具备实施条件。",
            status=ApplicationStatus.SUBMITTED,
            submitted_at=utcnow() - timedelta(days=35),
        )
        self.session.add(application)
        self.session.flush()
        members = rng.sample(academia, rng.randint(1, 3))
        members += [self._company(city, field) for _ in range(rng.randint(2, 4))]
        if rng.random() < 0.4:
            name, province, partner_city, kind = rng.choice(DELTA_PARTNERS)
            members.append(self._org(name, kind, partner_city, province=province, authority="1", category="2"))
        if rng.random() < 0.5:
            name, kind = rng.choice(SERVICE_BODIES)
            members.append(self._org(name, kind, "南京市"))
        for position, org in enumerate({o.id: o for o in members}.values(), start=1):
            if org.id != lead.id:
                self.session.add(
                    ApplicationMember(
                        application_id=application.id,
                        unit_type=org.kind,
                        position=position,
                        **member_from_register(org),
                    )
                )
        return application

    # Experts -----------------------------------------------------------------------------------

    def _experts(self, academia: list[Organisation], applications: list[Application]) -> list[Expert]:
        rng = self.rng
        applicant_orgs = [self.session.get(Organisation, a.lead_org_id) for a in applications]
        fields = list(FIELDS)
        experts = []
        for n in range(1, N_EXPERTS + 1):
            # Most experts come from universities and institutes, some from industry (a few of them
            # from applicant units: the implied conflicts the assignment must respect).
            org = rng.choice(academia) if rng.random() < 0.75 else rng.choice(applicant_orgs)
            main_field = fields[(n - 1) % len(fields)]
            expert_fields = [main_field] + rng.sample([f for f in fields if f != main_field], rng.randint(0, 2))
            name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN_CHARS, rng.choice([1, 2])))
            research_areas, achievements, keywords = texts.expert_texts(f"E{n:04d}", expert_fields, FIELDS[main_field])
            expert = Expert(
                code=f"E{n:04d}",
                research_areas=research_areas,
                achievements=achievements,
                keywords=keywords,
                name=name,
                org_id=org.id,
                city=org.city or "",
                fields=";".join(expert_fields),
                title=rng.choice(TITLES),
                max_load=rng.choice([None, None, 6, 8, 10]),
                phone=f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                email=f"e{n:04d}@experts.jiangsu.example",
            )
            self.session.add(expert)
            experts.append(expert)
        self.session.flush()
        return experts

    def _declared_conflicts(self, experts: list[Expert], applications: list[Application]) -> None:
        for _ in range(25):
            application = self.rng.choice(applications)
            candidates = [e for e in experts if application.field in e.field_list]
            expert = self.rng.choice(candidates or experts)
            exists = self.session.exec(
                select(Conflict).where(Conflict.expert_id == expert.id, Conflict.application_id == application.id)
            ).first()
            if not exists:
                self.session.add(
                    Conflict(
                        expert_id=expert.id,
                        application_id=application.id,
                        source=self.rng.choice([ConflictSource.APPLICANT_NAMED, ConflictSource.MANUAL]),
                        reason=self.rng.choice(CONFLICT_REASONS),
                    )
                )

    # Accounts and scores -----------------------------------------------------------------------

    def _accounts(self, experts: list[Expert]) -> None:
        def add(username: str, role: Role, display: str, **bound) -> None:
            self.session.add(
                User(username=username, role=role, display_name=display, password_hash=self.password_hash, **bound)
            )

        add("admin", Role.ADMIN, "省新质生产力促进中心")
        add("auditor", Role.AUDITOR, "省科技厅监督处")
        for city_name, login in CITY_LOGINS.items():
            add(login, Role.CITY, f"{city_name}科技局", city_id=self.cities[city_name].id)
        for expert in experts:
            add(expert.code.lower(), Role.EXPERT, expert.name, expert_id=expert.id)

    def _scores_in_progress(self, review_round: Round) -> None:
        """About half the sheets submitted, a fifth drafted, the rest untouched; lenient and harsh
        experts alike, as in a real round."""
        rng = self.rng
        criteria = list(self.session.exec(select(Criterion).where(Criterion.round_id == review_round.id)))
        sheets = list(self.session.exec(select(ScoreSheet).where(ScoreSheet.round_id == review_round.id)))
        quality = {s.application_id: rng.gauss(0.75, 0.08) for s in sheets}
        leniency = {s.expert_id: rng.gauss(0, 0.06) for s in sheets}
        # A few panels where one expert strongly disagrees (a submitted sheet 30 points under the others), so
        # that the ranking's disagreement flag shows whatever the draw.
        dissent, dissented = set(sorted(quality)[:3]), set()
        for sheet in sheets:
            roll = rng.random()
            if roll > 0.7:
                continue
            offset = 0.0
            if roll < 0.5 and sheet.application_id in dissent - dissented:
                offset = -0.3
                dissented.add(sheet.application_id)
            total = Decimal(0)
            for criterion in criteria:
                drawn = quality[sheet.application_id] + leniency[sheet.expert_id] + rng.gauss(0, 0.05)
                share = min(max(drawn + offset, 0), 1)
                points = Decimal(round(share * criterion.max_points * 2) / 2).quantize(Decimal("0.5"))
                self.session.add(ScoreItem(sheet_id=sheet.id, criterion_id=criterion.id, points=points))
                total += points
            sheet.declaration = ConflictDeclaration.NONE_DECLARED
            sheet.comment = rng.choice(COMMENTS)
            sheet.recommend = total >= 68
            sheet.total = total
            sheet.saved_at = utcnow()
            sheet.version = 1
            if roll < 0.5:
                sheet.status = SheetStatus.SUBMITTED
                sheet.submitted_at = utcnow()
            else:
                sheet.status = SheetStatus.DRAFT


def _logins(session: Session) -> list[tuple[str, str, str]]:
    """One login per role (and every city), for the README and the terminal."""
    rows = [("admin", "admin", "省新质生产力促进中心"), ("auditor", "auditor", "省科技厅监督处")]
    rows += [("city", login, f"{city}科技局") for city, login in CITY_LOGINS.items()]
    rows += showcase.expert_logins(session)
    return rows
