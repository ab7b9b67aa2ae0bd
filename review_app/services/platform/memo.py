"""What one session (one request) has read and reads again, so that the second reading costs no query.

SQLAlchemy's identity map holds rows weakly: a row nobody references any more is read again by the next
``session.get``. The expert's sheet requests read the sheet's seat, round and pledge in one query and then
check them again, step by step (the pledge, the deadline, the withdrawal); the first step holds them here
(:func:`hold`), and lookups by another key than the primary key keep their answer (:func:`memo`).
Forgotten when the transaction ends (commit or rollback) and when the request ends (`review_app.db`), even
where its session lives on.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Session

KEY = "review_memo"


def memo(session: Session) -> dict:
    """This session's memo: a dict for lookups to keep their answers in, by a key of their own."""
    return session.info.setdefault(KEY, {})


def hold(session: Session, *rows: object) -> None:
    """Keep these rows referenced while the session lives: ``session.get`` finds them without a query."""
    memo(session).setdefault("rows", []).extend(rows)


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def forget(session: Session) -> None:
    """A transaction's (or a request's) end ends what it read: a session that lives on (tests, the command
    line, jobs) reads its rows again in the next one."""
    session.info.pop(KEY, None)
