"""The city portal's forms: an application with its member rows, the opinion, an upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..services.intake import credit_codes, notice
from ..services.intake.applications import ApplicationInput, MemberInput
from ..services.intake.organisations import normalise_code
from ..services.intake.rules import CODE_PROBLEM
from ..services.platform.numbers import plain


def _code_error(code: str) -> str | None:
    problem = credit_codes.problem(normalise_code(code))
    if problem:
        return str(_l("Not a valid unified social credit code: %(problem)s.", problem=CODE_PROBLEM[problem]))
    return None


LEGAL_TEXT = {True: notice.LEGAL_YES, False: notice.LEGAL_NO}


def long_text(max_length: int) -> dict:
    """A text area's limit: the server's Length, and the same number shown by a counter in the browser
    (no `maxlength`, which would cut a paste silently); an over-long text is an error on its field."""
    return {"validators": [Length(max=max_length)], "render_kw": {"maxlength": False, "data-max-length": max_length}}


CREDIT_CODE_INPUT = {"class": "credit-code", "size": 20, "autocomplete": "off", "spellcheck": "false"}


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class MemberRow(Form):
    name = StringField(_l("Unit name"), validators=[Length(max=200)])
    credit_code = StringField(_l("Credit code"), validators=[Length(max=32)], render_kw=CREDIT_CODE_INPUT)
    unit_type = SelectField(_l("Unit type"), choices=[SelectChoice(t) for t in notice.UNIT_TYPES])
    province = StringField(_l("Province"), default="江苏省", validators=[Length(max=32)])
    city = StringField(_l("City"), validators=[Length(max=32)])
    credit_standing = SelectField(_l("Credit record"), choices=[SelectChoice(s) for s in notice.CREDIT_STANDINGS])
    is_legal_person = SelectField(
        _l("Independent legal person"),
        choices=[SelectChoice("", _l("— choose —"))] + [SelectChoice(answer) for answer in notice.LEGAL_ANSWERS],
    )
    qualification = StringField(
        _l("Qualification or service capability"),
        validators=[Length(max=500)],
        render_kw={"placeholder": _l("Testing bodies: CMA/CNAS no.; other service bodies: team and experience")},
    )

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and not (self.credit_code.data or "").strip()

    def validate_name(self, field):
        if not self.is_blank() and not (field.data or "").strip():
            raise ValidationError(_l("Give the unit's name."))

    def validate_credit_code(self, field):
        if self.is_blank():
            return
        error = _code_error(field.data or "")
        if error:
            raise ValidationError(error)

    def validate_is_legal_person(self, field):
        if not self.is_blank() and field.data not in notice.LEGAL_ANSWERS:
            raise ValidationError(_l("Declare whether the unit is an independent legal person."))

    def to_input(self) -> MemberInput:
        return MemberInput(
            name=self.name.data.strip(),
            credit_code=self.credit_code.data,
            unit_type=self.unit_type.data,
            province=(self.province.data or "").strip(),
            city=(self.city.data or "").strip(),
            credit_standing=self.credit_standing.data,
            is_legal_person=notice.LEGAL_ANSWERS.get(self.is_legal_person.data),
            qualification=(self.qualification.data or "").strip(),
        )


def member_rows_changed(form, remove: int | None) -> bool:
    """Add a member row (the form's add_member button) or remove row `remove`, without saving (works without
    JavaScript); True when the rows changed, so the form is shown again."""
    if form.add_member.data:
        form.members.append_entry()
        return True
    if remove is not None and 0 <= remove < len(form.members.entries):
        form.members.entries.pop(remove)
        if not form.members.entries:
            form.members.append_entry()
        return True
    return False


class ApplicationForm(FlaskForm):
    title = StringField(_l("Consortium name"), validators=[DataRequired(), Length(max=200)])
    field = SelectField(_l("Technical field"), validators=[DataRequired()], choices=[])
    lead_name = StringField(_l("Lead unit name"), validators=[DataRequired(), Length(max=200)])
    lead_credit_code = StringField(
        _l("Lead unit credit code"), validators=[DataRequired(), Length(max=32)], render_kw=CREDIT_CODE_INPUT
    )
    lead_kind = SelectField(_l("Lead unit kind"), choices=[SelectChoice(k) for k in notice.LEAD_KINDS])
    revenue_2025 = DecimalField(
        _l("2025 sales revenue (亿元)"), places=None, validators=[Optional(), NumberRange(min=0, max=10**9)]
    )
    rd_intensity_2025 = DecimalField(
        _l("2025 R&D intensity (%)"), places=None, validators=[Optional(), NumberRange(min=0, max=100)]
    )
    agreement_clauses = MultiCheckboxField(
        _l("Mechanisms the co-construction agreement covers"),
        choices=[SelectChoice(c) for c in notice.AGREEMENT_CLAUSES],
    )
    keywords = StringField(_l("Keywords (关键词, separated by ;)"), validators=[Length(max=200)])
    abstract = TextAreaField(_l("Abstract (摘要)"), **long_text(2000))
    city_opinion = TextAreaField(_l("Recommendation of the city bureau"), **long_text(5000))
    necessity = TextAreaField(_l("Opinion on necessity (必要性)"), **long_text(5000))
    feasibility = TextAreaField(_l("Opinion on feasibility (可行性)"), **long_text(5000))
    members = FieldList(FormField(MemberRow), min_entries=1, max_entries=60)
    add_member = SubmitField(_l("Add a member row"))
    submit = SubmitField(_l("Save draft"))

    def offer_fields(self, choices) -> None:
        """The round's controlled list of technical fields, as the select's options."""
        self.field.choices = [SelectChoice("", _l("— choose —"))] + [SelectChoice(f) for f in choices]

    def validate_lead_credit_code(self, field):
        error = _code_error(field.data or "")
        if error:
            raise ValidationError(error)

    def fill(self, page) -> None:
        """Prefill from an ApplicationView."""
        a = page.application
        self.title.data, self.field.data = a.title, a.field
        self.lead_name.data, self.lead_credit_code.data, self.lead_kind.data = (
            page.lead.name,
            page.lead.credit_code,
            a.lead_kind,
        )
        self.revenue_2025.data, self.rd_intensity_2025.data = plain(a.revenue_2025), plain(a.rd_intensity_2025)
        self.agreement_clauses.data = notice.split_clauses(a.agreement_clauses)
        self.keywords.data, self.abstract.data = a.keywords.replace(";", "; "), a.abstract
        self.city_opinion.data, self.necessity.data, self.feasibility.data = a.city_opinion, a.necessity, a.feasibility
        while len(self.members.entries):
            self.members.pop_entry()
        for m in page.members:
            self.members.append_entry(
                {
                    "name": m.org.name,
                    "credit_code": m.org.credit_code,
                    "unit_type": m.member.unit_type,
                    "province": m.org.province or "",
                    "city": m.org.city or "",
                    "credit_standing": notice.CREDIT_BAD if m.org.credit_standing == "bad" else notice.CREDIT_GOOD,
                    "is_legal_person": LEGAL_TEXT.get(m.member.is_legal_person, ""),
                    "qualification": m.member.qualification,
                }
            )
        if not self.members.entries:
            self.members.append_entry()

    def to_input(self) -> ApplicationInput:
        return ApplicationInput(
            title=self.title.data,
            field=self.field.data,
            lead_name=self.lead_name.data,
            lead_credit_code=self.lead_credit_code.data,
            lead_kind=self.lead_kind.data,
            revenue_2025=self.revenue_2025.data,
            rd_intensity_2025=self.rd_intensity_2025.data,
            agreement_clauses=list(self.agreement_clauses.data or []),
            city_opinion=self.city_opinion.data or "",
            necessity=self.necessity.data or "",
            feasibility=self.feasibility.data or "",
            keywords=self.keywords.data or "",
            abstract=self.abstract.data or "",
            members=[
                row.form.to_input()
                for row in self.members
                if not row.form.is_blank()
            ],
        )


def _absent_as_empty(value: str | None) -> str:
    """A field left out of the POST is an empty opinion, not None."""
    return value or ""


class OpinionForm(FlaskForm):
    necessity = TextAreaField(_l("Opinion on necessity (必要性)"), filters=[_absent_as_empty], **long_text(5000))
    feasibility = TextAreaField(_l("Opinion on feasibility (可行性)"), filters=[_absent_as_empty], **long_text(5000))
    submit = SubmitField(_l("Save the opinion"))
