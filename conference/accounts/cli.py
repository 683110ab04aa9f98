"""`flask --app wsgi users ...`: back-office accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from conference.accounts.models import Role
from conference.accounts.services import (
    create_user,
    ensure_admin,
    generate_password,
    parse_role,
    set_active,
    set_password,
)
from conference.conferences.services import get_conference
from conference.core.cli import user_errors
from conference.core.errors import RuleViolation
from conference.core.i18n import _
from conference.extensions import db
from conference.registration.models import Delegation, ParticipatingEntity

users_cli = AppGroup("users", help="Back-office accounts.")


def _read_password(password_stdin: bool) -> tuple[str, bool]:
    """The password from standard input, or a generated one (and whether it was generated)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise RuleViolation(_("no password on standard input"))
        return password, False
    return generate_password(), True


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True,
              help="admin, registration-officer, side-event-coordinator, badge-desk, door-staff, focal-point "
                   "(repeat for several).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--name", default="", help="The person's name, as shown in the audit log.")
@click.option("--conference", "conference_code", help="For a focal point: the conference code.")
@click.option("--entity", help="For a focal point: the delegation's ISO 3166 alpha-3 code or entity name.")
@user_errors
def create_command(email, roles, password_stdin, name, conference_code, entity):
    """Create a back-office account. Without --password-stdin a password is generated and printed once."""
    parsed = [parse_role(r) for r in roles]
    delegation_id = None
    if Role.FOCAL_POINT in parsed:
        if not conference_code or not entity:
            raise RuleViolation(_("a focal point needs --conference and --entity (the delegation they manage)"))
        delegation_id = _find_delegation(conference_code, entity)
    password, generated = _read_password(password_stdin)
    user = create_user(email, parsed, password, name=name, delegation_id=delegation_id)
    db.session.commit()
    click.echo(f"created {user.email} ({', '.join(sorted(r.value.lower() for r in user.roles))})")
    if generated:
        click.echo(f"password: {password}")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@user_errors
def set_password_command(email, password_stdin):
    """Set a new password (generated and printed unless --password-stdin)."""
    password, generated = _read_password(password_stdin)
    user = set_password(email, password)
    db.session.commit()
    click.echo(f"password changed for {user.email}")
    if generated:
        click.echo(f"password: {password}")


@users_cli.command("deactivate")
@click.argument("email")
@user_errors
def deactivate_command(email):
    """Deactivate an account: it can no longer sign in, and every sign-in it has ends at once."""
    user = set_active(email, False)
    db.session.commit()
    click.echo(f"deactivated {user.email}; every sign-in of the account has ended")


@users_cli.command("activate")
@click.argument("email")
@user_errors
def activate_command(email):
    """Let a deactivated account sign in again."""
    user = set_active(email, True)
    db.session.commit()
    click.echo(f"activated {user.email}")


@users_cli.command("ensure-admin")
@click.option("--email", default="admin@plenary.example", show_default=True)
@user_errors
def ensure_admin_command(email):
    """Create the first admin when there is none, and print how to sign in."""
    user, password = ensure_admin(email)
    db.session.commit()
    if password:
        click.echo(f"Back office: sign in as {user.email} with the password {password}")
    else:
        click.echo(f"Back office: sign in as {user.email} (password set earlier; "
                   f"`flask --app wsgi users set-password {user.email}` makes a new one)")


def _find_delegation(conference_code: str, entity: str) -> int:
    conference = get_conference(conference_code)
    key = entity.strip()
    condition = (ParticipatingEntity.iso3 == key.upper()) | (ParticipatingEntity.name == key)
    delegation_id = db.session.scalar(
        select(Delegation.id).join(ParticipatingEntity)
        .where(Delegation.conference_id == conference.id, condition)
    )
    if delegation_id is None:
        raise RuleViolation(_("no delegation of %(entity)s at %(code)s", entity=repr(entity), code=conference.code))
    return delegation_id
