"""E-mail: queued in the transaction that causes it, sent only once that transaction has committed.

`queue_mail` renders a template and adds an `OutgoingMail` row to `db.session`;
nothing leaves the building then. Session events remember which rows the
transaction wrote; when it commits they are handed to `dispatch`, and when it
rolls back (or the savepoint that wrote them does) they are forgotten along
with the rows. So a participant is never told about a change that did not
happen, and a change that happened is never lost for want of an e-mail: a row
that could not be sent stays QUEUED for `send_pending`.

Templates live in `templates/mail/<name>.txt`, one per e-mail, their words marked for translation and rendered
in the recipient's language: the first line is `Subject: ...`, then a blank line, then the body.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Iterable
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from conference.core.db import utcnow
from conference.core.i18n import DEFAULT, force_locale, language_of
from conference.core.jobs import enqueue
from conference.core.models import MailStatus, OutgoingMail
from conference.extensions import db

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
SMTP_TIMEOUT = 30  # seconds; sending happens in-process for now, so a dead server must not hang for long

_EXTENSION = "plenary.mail"
_TEMPLATE_NAME = re.compile(r"[a-z][a-z0-9_]*")
# Keys in `Session.info`: ids flushed in the open transaction (id -> the savepoint that wrote it, or None),
# and the ids of a transaction that has just committed, waiting for the transaction to be closed.
_PENDING = "plenary.mail.pending"
_COMMITTED = "plenary.mail.committed"


# --- Queueing -----------------------------------------------------------------------------------------------------

def render_mail(template: str, language: str = DEFAULT, **context) -> tuple[str, str, str]:
    """Render `templates/mail/<template>.txt` in a language and return (subject, body, language used).

    The text comes from the translation catalogues (complete for e-mails in the six languages: a test sees to it);
    a language that is not one of the six, or a regional tag (`fr-CH` is French), falls back as `language_of` says.
    Needs an application context, not a request: a worker or a command renders the same e-mail.
    """
    if not _TEMPLATE_NAME.fullmatch(template or ""):
        raise ValueError(f"not a mail template name: {template!r}")
    used = language_of(language)
    tmpl = current_app.jinja_env.get_template(f"mail/{template}.txt")
    with force_locale(used):
        first_line, _newline, body = tmpl.render(context).partition("\n")
    if not first_line.startswith("Subject:"):
        raise ValueError(f"mail template {tmpl.name} must begin with a 'Subject: ...' line")
    # One line, whatever the context held: a line break in a header would end it.
    subject = " ".join(first_line.removeprefix("Subject:").split())
    if not subject:
        raise ValueError(f"mail template {tmpl.name} renders an empty subject")
    return subject, body.strip("\n").rstrip() + "\n", used


def queue_mail(recipient: str, template: str, language: str = DEFAULT, **context) -> OutgoingMail:
    """Render an e-mail and add it to the current transaction as a QUEUED `OutgoingMail`; do not commit.

    It is sent after the caller's transaction commits (see `init_app`), and
    never if it rolls back. `context` is what the template sees, e.g.
    `registration=r, conference=c, status_url=..., reason=...`.
    """
    recipient = (recipient or "").strip()
    if not recipient or "@" not in recipient or any(c in recipient for c in "\r\n"):
        raise ValueError(f"not an e-mail address: {recipient!r}")
    subject, body, used = render_mail(template, language, **context)
    mail = OutgoingMail(
        recipient=recipient,
        subject=subject[:300],
        body_text=body,
        language=used,
        status=MailStatus.QUEUED,
        attempts=0,
        last_error="",
        created_at=utcnow(),
    )
    # Tie the mail to whom it concerns, so that purging a session's personal data reaches it.
    registration = context.get("registration")
    conference = context.get("conference")
    if registration is not None:
        mail.registration_id = getattr(registration, "id", None)
    if conference is not None:
        mail.conference_id = getattr(conference, "id", None)
    db.session.add(mail)
    return mail


# --- After the commit ---------------------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    """Send the mail of each committed transaction of `db.session` in `app`. Calling it again changes nothing."""
    app.extensions[_EXTENSION] = True
    # The listeners are attached once to the session class behind `db.session` (SQLAlchemy events on a
    # scoped session go to its class), and do nothing in an application that has not called init_app.
    for name, listener in _LISTENERS.items():
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def _enabled() -> bool:
    return has_app_context() and bool(current_app.extensions.get(_EXTENSION))


def _after_flush(session: Session, flush_context) -> None:
    if not _enabled():
        return
    # `session.new` still lists what this flush inserted, now with primary keys.
    new = [obj.id for obj in session.new if isinstance(obj, OutgoingMail)]
    if new:
        pending = session.info.setdefault(_PENDING, {})
        savepoint = session.get_nested_transaction()
        for mail_id in new:
            pending[mail_id] = savepoint


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: its rows are still only as good as the outer transaction
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


def _after_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    # A rolled-back outer transaction is forgotten in `_after_transaction_end`, which runs first.
    pending = session.info.get(_PENDING)
    if pending and previous_transaction.nested:
        # Forget what this savepoint, or one released into it, wrote; keep what was written before it.
        for mail_id, savepoint in list(pending.items()):
            while savepoint is not None and savepoint is not previous_transaction:
                savepoint = savepoint.parent
            if savepoint is not None:
                del pending[mail_id]


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    # The outer transaction is over and its connection is back in the pool. Anything still pending was
    # never committed: the transaction was rolled back, or closed without either.
    session.info.pop(_PENDING, None)
    committed = session.info.pop(_COMMITTED, None)
    if not committed or not _enabled():
        return
    # Sending waits until here rather than `after_commit`: there the session still holds its (committed)
    # connection and may emit no SQL, so delivery would need a second connection at the same time. Here
    # the commit is complete and delivery works in sessions of its own, never in the caller's transaction.
    # Whatever goes wrong is logged, never raised: the caller's commit has succeeded and must not look failed.
    try:
        dispatch(committed)
    except Exception:
        log.exception("could not dispatch outgoing mail %s; send_pending() will retry", committed)


_LISTENERS = {
    "after_flush": _after_flush,
    "after_commit": _after_commit,
    "after_soft_rollback": _after_soft_rollback,
    "after_transaction_end": _after_transaction_end,
}


def dispatch(mail_ids: Iterable[int]) -> None:
    """Hand committed mails to whatever sends them: the one place where that choice is made.

    With `REDIS_URL` set they go to the worker as an RQ job, retried with
    growing pauses while the mail server refuses them; without Redis they are
    delivered in this process, right after the commit.
    """
    ids = sorted(set(mail_ids))
    if not ids:
        return
    try:
        if enqueue("conference.mail.services.deliver_job", ids, retries=(30, 120, 600, 1800)) is not None:
            return
    except Exception:  # Redis away: deliver now rather than lose the mail
        log.exception("could not queue mails %s; delivering in-process", ids)
    deliver(ids)


class MailNotSent(Exception):
    """Some mails of a job are still waiting: RQ retries the job later."""


def deliver_job(mail_ids: list[int]) -> int:
    """The worker's job: deliver, and fail (to be retried) while any of these mails is still queued."""
    sent = deliver(mail_ids)
    with Session(db.engine) as session:
        waiting = session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail).where(
            OutgoingMail.id.in_(list(mail_ids)), OutgoingMail.status == MailStatus.QUEUED))
    if waiting:
        raise MailNotSent(f"{waiting} of {len(mail_ids)} mails not sent yet")
    return sent


# --- Delivery -----------------------------------------------------------------------------------------------------

def send_pending(limit: int | None = None) -> int:
    """Try again every QUEUED mail (oldest first, at most `limit`); return how many were sent."""
    query = sa.select(OutgoingMail.id).where(OutgoingMail.status == MailStatus.QUEUED).order_by(OutgoingMail.id)
    if limit is not None:
        query = query.limit(limit)
    with Session(db.engine) as session:
        ids = list(session.scalars(query))
    return deliver(ids)


def deliver(mail_ids: Iterable[int]) -> int:
    """Send each of these mails that is still QUEUED, each in a transaction of its own; return how many were sent.

    Through SMTP when `MAIL_SERVER` is set, otherwise into the outbox folder
    (`MAIL_OUTBOX`, default `<instance>/outbox`). A failure is counted and
    logged on its mail (FAILED after `MAX_ATTEMPTS` tries) and the others go on;
    nothing is raised. Call it outside any open write transaction.
    """
    config = current_app.config
    sent = 0
    for mail_id in mail_ids:
        try:
            sent += _deliver_one(mail_id, config)
        except Exception:  # the database itself, most likely: the mail stays QUEUED for send_pending
            log.exception("outgoing mail %s: could not be delivered or recorded", mail_id)
    return sent


def _deliver_one(mail_id: int, config) -> bool:
    # A plain Session of our own, not db.session: the caller's session may be mid-commit, and this
    # session's own commits must not set off the listeners above.
    with Session(db.engine) as session, session.begin():
        # The row lock (PostgreSQL) keeps a mail from being sent twice by two workers at once; a mail
        # another worker holds is skipped, as is one already sent, given up on, or never committed.
        mail = session.scalars(
            sa.select(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.status == MailStatus.QUEUED)
            .with_for_update(skip_locked=True)
        ).one_or_none()
        if mail is None:
            return False
        mail.attempts += 1
        try:
            _send(mail, config)
        except Exception as exc:
            mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if mail.attempts >= MAX_ATTEMPTS:
                mail.status = MailStatus.FAILED
            # The mail's id only: the address is personal data and has no place in the logs.
            log.warning("outgoing mail %s: attempt %d of %d failed: %s%s", mail.id, mail.attempts, MAX_ATTEMPTS,
                        mail.last_error, "; giving up" if mail.status == MailStatus.FAILED else "")
            return False
        mail.status = MailStatus.SENT
        mail.sent_at = utcnow()
        return True


def _send(mail: OutgoingMail, config) -> None:
    message = build_message(mail, config)
    if config.get("MAIL_SERVER"):
        _send_smtp(message, config)
    else:
        _write_to_outbox(mail, message, config)


def build_message(mail: OutgoingMail, config) -> EmailMessage:
    """The RFC 5322 message for `mail`: UTF-8 text, quoted-printable so that any relay passes it unchanged."""
    sender = config.get("MAIL_FROM") or "Plenary <no-reply@localhost>"
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(utcnow())
    # The domain is given: left to itself, make_msgid asks DNS for this host's name.
    message["Message-ID"] = make_msgid(idstring=f"mail{mail.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(mail.body_text, charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = mail.language  # after set_content, which clears every Content-* header
    return message


def _send_smtp(message: EmailMessage, config) -> None:
    host = config["MAIL_SERVER"]
    port = int(config.get("MAIL_PORT") or 587)
    context = ssl.create_default_context()
    if port == 465:
        connection = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
    else:
        connection = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
    with connection as smtp:
        if port == 587:
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def outbox_folder(config) -> Path:
    """Where mail goes without a mail server: `MAIL_OUTBOX`, or `<instance>/outbox`."""
    return Path(config.get("MAIL_OUTBOX") or Path(current_app.instance_path) / "outbox")


def outbox_path(mail: OutgoingMail, config) -> Path:
    """The outbox file of an e-mail. Named from the row, not the clock: a retry after a half-recorded success
    rewrites the same file, and the purge finds it (privacy/services.py)."""
    return outbox_folder(config) / f"{mail.id}-{_stamp(mail.created_at or utcnow())}.eml"


def _write_to_outbox(mail: OutgoingMail, message: EmailMessage, config) -> Path:
    folder = outbox_folder(config)
    folder.mkdir(parents=True, exist_ok=True)
    path = outbox_path(mail, config)
    # Written beside its final name and renamed into place, so no reader ever sees half a message;
    # the dot keeps the temporary file out of `*.eml`.
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{mail.id}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(message.as_bytes(policy=policy.SMTP))  # CRLF line ends, as RFC 5322 has them
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")
