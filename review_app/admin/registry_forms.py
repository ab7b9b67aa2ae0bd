"""Forms of the consortium registry: one consortium with its members, and the import of the template."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import FieldList, FormField, IntegerField, SelectField, StringField, SubmitField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from ..city.forms import CREDIT_CODE_INPUT, LEGAL_TEXT, MemberRow
from ..models import ConsortiumMember
from ..services.intake import notice
from ..services.intake.organisations import Declared, normalise_code
from ..services.registry.consortia import FIRST_YEAR, ConsortiumData, credit_code_problem


class ConsortiumForm(FlaskForm):
    code = StringField(_l("Consortium code (联合体编号)"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Consortium name"), validators=[DataRequired(), Length(max=200)])
    field = SelectField(_l("Technical field"), validators=[DataRequired()], choices=[])
    city = SelectField(_l("City"), choices=[SelectChoice(c) for c in notice.CITIES])
    lead_name = StringField(_l("Lead unit name"), validators=[DataRequired(), Length(max=200)])
    lead_credit_code = StringField(
        _l("Lead unit credit code"), validators=[DataRequired(), Length(max=32)], render_kw=CREDIT_CODE_INPUT
    )
    established_year = IntegerField(_l("Recognition year (认定年度)"),
                                    validators=[DataRequired(), NumberRange(min=FIRST_YEAR, max=2100)])
    members = FieldList(FormField(MemberRow), min_entries=1, max_entries=60)
    add_member = SubmitField(_l("Add a member row"))
    submit = SubmitField(_l("Save"))

    def offer_fields(self, choices) -> None:
        self.field.choices = [SelectChoice("", _l("— choose —"))] + [SelectChoice(f) for f in choices]

    def validate_lead_credit_code(self, field):
        problem = credit_code_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def fill(self, facts: dict, members: list[ConsortiumMember]) -> None:
        """Prefill from the consortium's facts (`consortia.snapshot`) and member rows."""
        for key in ("code", "name", "field", "city", "lead_name", "lead_credit_code", "established_year"):
            getattr(self, key).data = facts[key]
        while len(self.members.entries):
            self.members.pop_entry()
        for m in members:
            self.members.append_entry({
                "name": m.name, "credit_code": m.credit_code, "unit_type": m.unit_type, "province": m.province or "",
                "city": m.city or "", "qualification": m.qualification,
                "credit_standing": notice.CREDIT_BAD if m.credit_standing == "bad" else notice.CREDIT_GOOD,
                "is_legal_person": LEGAL_TEXT.get(m.is_legal_person, ""),
            })
        if not self.members.entries:
            self.members.append_entry()

    def to_data(self) -> ConsortiumData:
        return ConsortiumData(
            code=self.code.data.strip(), name=self.name.data.strip(), field=self.field.data, city=self.city.data,
            lead_name=self.lead_name.data.strip(), lead_credit_code=normalise_code(self.lead_credit_code.data),
            established_year=self.established_year.data,
            members=tuple(Declared.member(row.form.to_input()) for row in self.members if not row.form.is_blank()),
        )


class RegistryImportForm(FlaskForm):
    file = FileField(
        _l("Registry workbook (.xlsx, sheets 联合体 and 成员单位)"),
        validators=[
            FileRequired(message=_l("Please choose a file.")),
            FileAllowed(["xlsx"], message=_l("Only .xlsx files can be imported.")),
        ],
    )
    submit = SubmitField(_l("Import"))
