"""The city's form of an annual report's structured self-evaluation: one text area per part of the notice
and one entry per key indicator (full-width digits and thousands separators read as the sheet reads
points), built from services.intake.self_evaluation's lists."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField, ValidationError

from ..services.intake.self_evaluation import (
    INDICATORS,
    MAX_SECTION_CHARS,
    SECTIONS,
    Indicator,
    ReportInput,
    indicator_text,
    parse_indicator,
)
from .forms import long_text

INDICATOR_INPUT = {"inputmode": "decimal", "autocomplete": "off", "class": "indicator"}


class _IndicatorValue:
    """Refuses an entry that is not a non-negative number of the indicator's kind (the typed text stays)."""

    def __init__(self, indicator: Indicator):
        self.indicator = indicator

    def __call__(self, _form, field) -> None:
        _value, problem = parse_indicator(field.data, self.indicator)
        if problem:
            raise ValidationError(problem)


class SelfEvaluationForm(FlaskForm):
    """Fields `section_<key>` and `indicator_<key>`; `sections()` and `indicators()` give them in order."""

    submit = SubmitField(_l("Save the self-evaluation"))

    def sections(self):
        return [self[f"section_{s.key}"] for s in SECTIONS]

    def indicators(self):
        return [(self[f"indicator_{i.key}"], i) for i in INDICATORS]

    def fill(self, report) -> None:
        """Prefill from the stored report (None: nothing filed yet)."""
        if report is None:
            return
        for s in SECTIONS:
            self[f"section_{s.key}"].data = getattr(report, s.key)
        for i in INDICATORS:
            value = getattr(report, i.key)
            self[f"indicator_{i.key}"].data = "" if value is None else indicator_text(value)

    def to_input(self) -> ReportInput:
        return ReportInput(
            sections={s.key: self[f"section_{s.key}"].data or "" for s in SECTIONS},
            indicators={i.key: parse_indicator(self[f"indicator_{i.key}"].data, i)[0] for i in INDICATORS},
        )


def _text_area(label) -> TextAreaField:
    limit = long_text(MAX_SECTION_CHARS)
    return TextAreaField(label, validators=limit["validators"], render_kw={**limit["render_kw"], "rows": 6})


for _section in SECTIONS:
    setattr(SelfEvaluationForm, f"section_{_section.key}", _text_area(_section.label))
for _indicator in INDICATORS:
    setattr(SelfEvaluationForm, f"indicator_{_indicator.key}",
            StringField(_l("%(label)s (%(unit)s)", label=_indicator.label, unit=_indicator.unit),
                        validators=[_IndicatorValue(_indicator)], render_kw=INDICATOR_INPUT))
