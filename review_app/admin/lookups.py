"""The console's objects loaded from the ids in its URLs: a 404 when there is none, shared by every
screen module of the console."""

from ..access import require_owner
from ..db import get_session
from ..models import Round


def round_or_404(round_id: int) -> Round:
    # Read afresh even if the session already holds the round: its stage decides what may change, and a
    # session that outlives one request (the tests' shared app context) may hold a stale copy.
    review_round = get_session().get(Round, round_id, populate_existing=True)
    require_owner(review_round is not None)
    return review_round
