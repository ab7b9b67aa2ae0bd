"""The console's objects loaded from the ids in its URLs: a 404 when there is none, shared by every
screen module of the console."""

from ..access import require_owner
from ..db import get_session
from ..models import Round
from ..services import rounds


def round_or_404(round_id: int) -> Round:
    review_round = rounds.get_round(get_session(), round_id)
    require_owner(review_round is not None)
    return review_round
