"""How the codes of the notice and the objections read to a person (the pages through review_app/labels.py,
the messages and files from here)."""

from flask_babel import lazy_gettext as _l

from ...models import ObjectionAnswer, ObjectionChannel, ObjectionStatus

OBJECTION_ANSWER = {
    ObjectionAnswer.MAINTAIN: _l("Maintained (维持)"),
    ObjectionAnswer.ADJUST: _l("Adjusted (调整)"),
    ObjectionAnswer.REVOKE: _l("Revoked (撤销)"),
}
OBJECTION_CHANNEL = {
    ObjectionChannel.LETTER: _l("Letter"),
    ObjectionChannel.EMAIL: _l("E-mail"),
    ObjectionChannel.PHONE: _l("Telephone"),
    ObjectionChannel.VISIT: _l("Visit"),
    ObjectionChannel.OTHER: _l("Other"),
}
OBJECTION_STATUS = {
    ObjectionStatus.RECEIVED: _l("Received"),
    ObjectionStatus.INVESTIGATING: _l("Under investigation"),
    ObjectionStatus.ANSWERED: _l("Answered"),
}
PHASE = {
    "before": _l("Not started yet"),
    "open": _l("In the notice period"),
    "ended": _l("Notice period ended"),
}
