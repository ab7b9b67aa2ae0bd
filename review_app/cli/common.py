"""What every command shares: audit events marked as coming from the command line, a round looked up by
id, and a service's refusal turned into one line on standard error and exit code 1."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from ..db import get_session
from ..models import Round
from ..services.compliance import audit
from ..services.errors import ServiceError


def as_cli() -> None:
    """Audit events written by a command say they came from the command line."""
    audit.client_address.set("cli")


def round_by_id(round_id: int) -> Round:
    review_round = get_session().get(Round, round_id)
    if review_round is None:
        raise click.ClickException(f"no round with id {round_id}")
    return review_round


@contextmanager
def refusals(describe: Callable[[object], str] = str) -> Iterator[None]:
    """A `ServiceError` inside ends the command: its problems (of an import) one per line as `describe`
    writes them, then its message. Nothing is committed: the session is rolled back when the command's
    app context ends."""
    try:
        yield
    except ServiceError as error:
        for problem in getattr(error, "problems", ()):
            click.echo(describe(problem), err=True)
        raise click.ClickException(str(error)) from None
