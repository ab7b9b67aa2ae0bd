"""Accounts: `flask create-user`, `flask unlock-user` and `flask set-contact`."""

import sys

import click
from flask.cli import with_appcontext

from ..db import get_session
from ..models import Role
from ..services.accounts import identity, users
from .common import as_cli, refusals


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--city", "city_name", help="The city of a city account, e.g. 南京市.")
@click.option("--expert", "expert_code", help="The expert code of an expert account.")
@click.option(
    "--initial/--final",
    "initial",
    default=True,
    show_default=True,
    help="An initial password must be changed at the first login (等保); --final keeps it.",
)
@click.option("--email", help="Where notifications are mailed (SMTP_URL).")
@click.option("--phone", help="Where notifications are texted (the SMS gateway).")
def create_user(username: str, role: str, city_name: str | None, expert_code: str | None, initial: bool,
                email: str | None, phone: str | None) -> None:
    """Create an account; the password is read from standard input when it is not a terminal."""
    as_cli()
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    session = get_session()
    with refusals():
        user = users.create_user(
            session,
            username=username,
            password=password,
            role=Role(role),
            city_name=city_name,
            expert_code=expert_code,
            email=email,
            phone=phone,
        )
    user.must_change_password = initial
    session.commit()
    click.echo(f"created {user.role} account {user.username}")


@click.command("unlock-user")
@with_appcontext
@click.argument("username")
def unlock_user(username: str) -> None:
    """Lift a lockout after repeated failed logins."""
    as_cli()
    session = get_session()
    user = users.find_user(session, username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    identity.unlock(session, user=user, by=None)
    session.commit()
    click.echo(f"{username} unlocked")


@click.command("set-contact")
@with_appcontext
@click.argument("username")
@click.option("--email", help="The new e-mail address; an empty value clears it.")
@click.option("--phone", help="The new mobile number; an empty value clears it.")
def set_contact(username: str, email: str | None, phone: str | None) -> None:
    """Set where an account's notifications are mailed and texted."""
    as_cli()
    session = get_session()
    user = users.find_user(session, username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    with refusals():
        users.set_contact(session, user=user, email=email, phone=phone, by=None)
    session.commit()
    click.echo(f"{username}: e-mail {user.email or '-'}, mobile {user.phone or '-'}")


COMMANDS = (create_user, unlock_user, set_contact)
