"""E-mail is queued in the transaction that causes it and sent only after that transaction commits."""

from __future__ import annotations

import logging
import re
import smtplib
import uuid
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from jinja2 import StrictUndefined
from sqlalchemy import func, select

from conference.core.i18n import LANGUAGES, force_locale
from conference.core.models import MailStatus, OutgoingMail
from conference.extensions import db
from conference.mail import services
from conference.mail.services import MAX_ATTEMPTS, deliver, init_app, queue_mail, render_mail, send_pending
from conference.registration.models import Gender, person_name

ROOT = Path(__file__).resolve().parent.parent
# The e-mails of a session (accounts' e-mails belong to no session: tests/test_invitations.py renders those).
TEMPLATES = sorted(p.stem for p in (ROOT / "templates" / "mail").glob("*.txt")
                   if not p.stem.startswith(("_", "account_")))
SENDER = "UNTOC COP12 Secretariat <secretariat@cop12.example>"
STATUS_URL = "https://plenary.example/cop12/registration/status/Zq3-private-token"
REASON = "The nominating note verbale is missing its signature."


def sample(**registration) -> dict:
    """What the registration services hand to a template."""
    person = {"given_names": "Amina", "family_name": "Diallo", "title": "Ms.", **registration}
    person["full_name"] = person_name(person["family_name"], person["given_names"])
    title = "Conference of the Parties to the United Nations Convention against Transnational Organized Crime, " \
            "twelfth session"
    return {
        "registration": SimpleNamespace(**person),
        "conference": SimpleNamespace(
            title=title, display_title=title, short_title="UNTOC COP12", display_short_title="UNTOC COP12",
            venue="Vienna International Centre", city="Vienna", contact_email="secretariat@cop12.example",
            local=lambda moment: moment.astimezone(ZoneInfo("Europe/Vienna"))),
        "session": SimpleNamespace(title="Cybercrime and the Convention", room=SimpleNamespace(name="Board Room B"),
                                   starts_at=datetime(2024, 10, 15, 11, 15, tzinfo=UTC),
                                   ends_at=datetime(2024, 10, 15, 12, 45, tzinfo=UTC),
                                   status=SimpleNamespace(value="SCHEDULED")),
        "status_url": STATUS_URL,
        "reason": REASON,
        "organization_request": SimpleNamespace(name="Transparency Watch Network"),
        "register_url": "https://cop12.example/cop12/register/ngo",
    }


@pytest.fixture
def outbox(app, tmp_path, monkeypatch) -> Path:
    """Mail enabled on the test application, written to a folder of this test's own."""
    # A copy of the extensions, so that the mail switch does not outlive this test.
    monkeypatch.setattr(app, "extensions", dict(app.extensions))
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    monkeypatch.setitem(app.config, "MAIL_FROM", SENDER)
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(tmp_path / "outbox"))
    init_app(app)
    return tmp_path / "outbox"


@pytest.fixture
def dispatched(monkeypatch) -> list[tuple[list[int], bool]]:
    """Each call of `dispatch`: the ids, and whether the caller's transaction was still open then."""
    calls = []
    real = services.dispatch

    def recording(mail_ids):
        mail_ids = list(mail_ids)
        calls.append((mail_ids, db.session().in_transaction()))
        real(mail_ids)

    monkeypatch.setattr(services, "dispatch", recording)
    return calls


class FakeSMTP:
    """Stands in for smtplib.SMTP and SMTP_SSL: records what a mail server would have been asked."""

    def __init__(self, log, host, port, timeout=None, context=None):
        self.log = log
        self.host, self.port, self.calls, self.messages = host, port, [], []
        log.connections.append(self)
        if log.refuse_connection:
            raise ConnectionRefusedError(111, "Connection refused")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.calls.append("quit")

    def starttls(self, context=None):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        if self.log.fail_for(message["To"]):
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        self.calls.append("send_message")
        self.messages.append(message)
        self.log.messages.append(message)


@pytest.fixture
def smtp(app, outbox, monkeypatch):
    """A fake mail server on mail.example:587; tests change the port, the account and what fails."""
    log = SimpleNamespace(connections=[], messages=[], ssl=[], refuse_connection=False, fail_for=lambda to: False)

    def plain(*args, **kwargs):
        return FakeSMTP(log, *args, **kwargs)

    def over_ssl(*args, **kwargs):
        connection = FakeSMTP(log, *args, **kwargs)
        log.ssl.append(connection)
        return connection

    monkeypatch.setattr(smtplib, "SMTP", plain)
    monkeypatch.setattr(smtplib, "SMTP_SSL", over_ssl)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.example")
    monkeypatch.setitem(app.config, "MAIL_PORT", 587)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", None)
    return log


def read_eml(path: Path):
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def sent_files(outbox: Path) -> list[Path]:
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []


def row(mail_id: int) -> OutgoingMail:
    """The mail as committed now: end the test's own read transaction first (SQLite in WAL mode
    would otherwise keep showing the snapshot it started with)."""
    db.session.commit()
    return db.session.get(OutgoingMail, mail_id, populate_existing=True)


# --- Queued in the transaction, sent after the commit -------------------------------------------------------------

def test_nothing_is_sent_before_the_commit_and_the_mail_is_written_after_it(outbox, db_session, dispatched):
    mail = queue_mail("amina.diallo@example.org", "registration_submitted", "fr", **sample())
    db_session.flush()
    mail_id = mail.id
    assert mail.status == MailStatus.QUEUED and mail.language == "fr"
    assert sent_files(outbox) == [] and dispatched == []

    db_session.commit()

    [path] = sent_files(outbox)
    assert sorted(p.name for p in outbox.iterdir()) == [path.name]  # no temporary file left behind
    assert path.name.startswith(f"{mail_id}-")
    message = read_eml(path)
    assert message["Subject"] == "UNTOC COP12 : inscription reçue"
    assert message["To"] == "amina.diallo@example.org"
    assert message["From"] == SENDER
    assert message["Content-Language"] == "fr"
    assert message["Date"].datetime.tzinfo is not None
    assert re.fullmatch(r"<[^<>@\s]+@cop12\.example>", message["Message-ID"])
    body = message.get_content()
    assert STATUS_URL in body
    assert "Nous avons bien reçu votre inscription" in body
    assert "Amina Diallo" in body

    sent = row(mail_id)
    assert (sent.status, sent.attempts) == (MailStatus.SENT, 1)
    assert sent.sent_at is not None
    # Delivered once, after the caller's transaction had ended.
    assert dispatched == [([mail_id], False)]


@pytest.mark.parametrize(("language", "given", "family", "name", "subject", "phrase"), [
    ("ar", "ليلى", "الحسيني", "ليلى الحسيني", "UNTOC COP12: تم استلام طلب التسجيل", "نشكركم على تسجيلكم"),
    # Family name first, in Chinese.
    ("zh", "芳", "王", "王芳", "UNTOC COP12：已收到您的注册", "我们已收到您参加以下会议的注册申请"),
])
def test_arabic_and_chinese_text_survive_the_trip(outbox, db_session, language, given, family, name, subject,
                                                  phrase):
    queue_mail("delegate@example.org", "registration_submitted", language,
               **sample(given_names=given, family_name=family))
    db_session.commit()

    [path] = sent_files(outbox)
    assert path.read_bytes().isascii()  # 7-bit clean on the wire: encoded words and quoted-printable
    message = read_eml(path)
    assert message["Subject"] == subject
    assert message["Content-Language"] == language
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert name in body
    assert phrase in body
    assert STATUS_URL in body


def test_a_rollback_sends_nothing_and_leaves_no_row(outbox, db_session, dispatched):
    queue_mail("amina.diallo@example.org", "registration_rejected", "en", **sample())
    db_session.flush()
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) == 1

    db_session.rollback()
    # The next transaction commits; the rolled-back mail must not ride along with it.
    db_session.execute(select(1))
    db_session.commit()

    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
    assert sent_files(outbox) == []
    assert dispatched == []


def test_savepoints_release_nothing_and_a_rolled_back_savepoint_takes_its_mail_along(outbox, db_session, dispatched):
    queue_mail("before@example.org", "registration_approved", "en", **sample())
    with db_session.begin_nested():
        queue_mail("released@example.org", "registration_approved", "en", **sample())
    assert dispatched == [] and sent_files(outbox) == []  # releasing a savepoint is not a commit

    with pytest.raises(RuntimeError), db_session.begin_nested():
        queue_mail("refused@example.org", "registration_approved", "en", **sample())
        db_session.flush()
        raise RuntimeError("the rule refused this one")

    db_session.commit()

    assert sorted(read_eml(p)["To"] for p in sent_files(outbox)) == ["before@example.org", "released@example.org"]
    assert db_session.scalars(select(OutgoingMail.recipient).order_by(OutgoingMail.recipient)).all() == [
        "before@example.org", "released@example.org"]
    assert len(dispatched) == 1 and len(dispatched[0][0]) == 2


def test_a_mail_from_a_released_savepoint_goes_nowhere_when_the_outer_transaction_rolls_back(
        outbox, db_session, dispatched):
    # Written first, so that the transaction has begun before the savepoint: pysqlite would otherwise let
    # SAVEPOINT open the transaction and RELEASE commit it, on SQLite only.
    queue_mail("before@example.org", "registration_approved", "en", **sample())
    db_session.flush()
    with db_session.begin_nested():
        queue_mail("released@example.org", "registration_approved", "en", **sample())

    db_session.rollback()
    db_session.execute(select(1))
    db_session.commit()

    assert dispatched == []
    assert sent_files(outbox) == []
    assert db_session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


# --- Languages and templates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["de", "", "xx-YY", "../../../etc/passwd"])
def test_an_unknown_language_falls_back_to_english(outbox, db_session, language):
    mail = queue_mail("amina.diallo@example.org", "registration_approved", language, **sample())
    assert mail.language == "en"
    assert mail.subject == "UNTOC COP12: registration approved"
    db_session.commit()

    [path] = sent_files(outbox)
    assert read_eml(path)["Content-Language"] == "en"
    assert "pass office" in read_eml(path).get_content()


@pytest.mark.parametrize(("language", "expected"), [("FR", "fr"), ("es-419", "es"), ("zh_Hans", "zh"), ("ru", "ru")])
def test_a_regional_or_differently_written_language_tag_finds_its_language(app, language, expected):
    _subject, _body, used = render_mail("registration_approved", language, **sample())
    assert used == expected


@pytest.mark.parametrize("asked", ["de", "", None, "xx-YY"])
def test_a_language_that_is_not_one_of_the_six_falls_back_to_english(app, outbox, db_session, asked):
    mail = queue_mail("amina.diallo@example.org", "registration_submitted", asked, **sample())

    assert mail.language == "en" and mail.subject == "UNTOC COP12: registration received"


def test_a_regional_tag_counts_as_its_language(app, outbox, db_session):
    mail = queue_mail("amina.diallo@example.org", "registration_submitted", "fr-CH", **sample())

    assert mail.language == "fr" and "inscription reçue" in mail.subject


@pytest.mark.parametrize("name", ["../base.html", "registration_submitted.txt", "Registration", ""])
def test_a_template_name_that_is_not_one_is_refused(app, name):
    with pytest.raises(ValueError):
        render_mail(name, "en", **sample())


def test_a_recipient_with_a_line_break_is_refused(app):
    with pytest.raises(ValueError):
        queue_mail("amina@example.org\nBcc: everyone@example.org", "registration_submitted", "en", **sample())


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_in_every_language(app, template, language):
    # Strictly: a misspelt variable would otherwise render as nothing.
    strict = app.jinja_env.overlay(undefined=StrictUndefined)
    with force_locale(language):
        strict.get_template(f"mail/{template}.txt").render(sample())

    subject, body, used = render_mail(template, language, **sample())
    english_subject, english_body, _ = render_mail(template, "en", **sample())

    assert used == language
    assert subject and "{" not in subject and "%(" not in subject and "\n" not in subject
    assert subject.startswith("UNTOC COP12")
    assert "Amina Diallo" in body and "%(" not in body and "{{" not in body
    assert body.rstrip().endswith("secretariat@cop12.example")  # how to reach the secretariat, in every e-mail
    # An organization's request has no private page: its e-mails link the registration form instead (admitted).
    assert (STATUS_URL in body) == (template not in ("registration_rejected", "side_event_cancelled",
                                                      "side_event_rejected", "organization_admitted",
                                                      "organization_refused"))
    assert ("/register/ngo" in body) == (template == "organization_admitted")
    assert (REASON in body) == (template in ("registration_rejected", "registration_needs_info",
                                             "registration_withdrawn", "registration_reopened",
                                             "side_event_cancelled", "side_event_changes", "side_event_rejected",
                                             "organization_refused"))
    if template.startswith(("registration_", "organization_")):
        assert "twelfth session" in body and "Vienna International Centre" in body
    else:
        assert "Cybercrime and the Convention" in body
    if language != "en":  # translated, subject and every paragraph, not only the words around the names
        assert subject != english_subject
        english_lines = {line for line in english_body.splitlines() if len(line.split()) > 3}
        left = [line for line in body.splitlines() if line in english_lines and "Amina" not in line
                and "Cybercrime" not in line and "Vienna" not in line and "twelfth session" not in line
                and REASON not in line]
        assert not left, f"English left in the {language} e-mail: {left}"


def test_dates_in_an_email_are_written_the_way_its_language_writes_them(app):
    _, french, _ = render_mail("session_seat_promoted", "fr", **sample())
    _, chinese, _ = render_mail("session_seat_promoted", "zh", **sample())
    # 11:15 UTC is 13:15 in Vienna in October.
    assert "mar. 15 oct., 13:15" in french
    assert "10月15日" in chinese and "13:15" in chinese


# --- SMTP ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("port", "username", "over_ssl", "expected_calls"), [
    (587, "plenary", False, ["starttls", ("login", "plenary", "s3cret"), "send_message", "quit"]),
    (465, "plenary", True, [("login", "plenary", "s3cret"), "send_message", "quit"]),
    (25, None, False, ["send_message", "quit"]),
])
def test_with_a_mail_server_the_mail_goes_through_smtp(app, outbox, smtp, db_session, monkeypatch,
                                                       port, username, over_ssl, expected_calls):
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", username)
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "s3cret")
    mail = queue_mail("amina.diallo@example.org", "registration_needs_info", "es", **sample())
    db_session.flush()
    mail_id = mail.id
    assert smtp.connections == []

    db_session.commit()

    [connection] = smtp.connections
    assert (connection.host, connection.port) == ("mail.example", port)
    assert bool(smtp.ssl) == over_ssl
    assert connection.calls == expected_calls
    [message] = connection.messages
    assert message["From"] == SENDER and message["To"] == "amina.diallo@example.org"
    assert message["Subject"] == "UNTOC COP12: se necesita información adicional para su inscripción"
    assert REASON in message.get_content() and STATUS_URL in message.get_content()
    assert sent_files(outbox) == []  # a mail server, not the outbox
    assert row(mail_id).status == MailStatus.SENT


@pytest.mark.parametrize("failure", ["refused", "disconnected"])
def test_an_smtp_failure_leaves_the_mail_queued_for_a_retry_and_does_not_reach_the_caller(
        app, smtp, db_session, caplog, failure):
    if failure == "refused":
        smtp.refuse_connection = True
    else:
        smtp.fail_for = lambda to: True
    mail = queue_mail("amina.diallo@example.org", "registration_submitted", "en", **sample())
    db_session.flush()
    mail_id = mail.id

    with caplog.at_level(logging.WARNING, logger=services.__name__):
        db_session.commit()  # does not raise

    failed = row(mail_id)
    assert (failed.status, failed.attempts) == (MailStatus.QUEUED, 1)
    assert ("ConnectionRefusedError" if failure == "refused" else "SMTPServerDisconnected") in failed.last_error
    assert f"outgoing mail {mail_id}" in caplog.text
    assert "amina.diallo@example.org" not in caplog.text  # no addresses in the logs

    smtp.refuse_connection, smtp.fail_for = False, (lambda to: False)
    assert send_pending() == 1
    retried = row(mail_id)
    assert (retried.status, retried.attempts) == (MailStatus.SENT, 2)
    assert retried.sent_at is not None
    assert [m["To"] for m in smtp.messages] == ["amina.diallo@example.org"]


def test_after_five_failed_attempts_the_mail_is_given_up(app, smtp, db_session):
    smtp.fail_for = lambda to: True
    mail = queue_mail("amina.diallo@example.org", "registration_submitted", "en", **sample())
    db_session.flush()
    mail_id = mail.id
    db_session.commit()

    for attempt in range(2, MAX_ATTEMPTS + 1):
        assert row(mail_id).status == MailStatus.QUEUED
        db_session.commit()  # end the reading transaction before the retry writes
        assert send_pending() == 0
        assert row(mail_id).attempts == attempt

    assert MAX_ATTEMPTS == 5
    assert row(mail_id).status == MailStatus.FAILED
    db_session.commit()
    tried = len(smtp.connections)
    assert send_pending() == 0
    assert len(smtp.connections) == tried  # a mail given up on is not tried again


def test_one_failing_mail_does_not_stop_the_others(app, smtp, db_session):
    smtp.fail_for = lambda to: to == "broken@example.org"
    broken = queue_mail("broken@example.org", "registration_approved", "en", **sample())
    fine = queue_mail("fine@example.org", "registration_approved", "ru", **sample())
    db_session.flush()
    broken_id, fine_id = broken.id, fine.id
    assert broken_id < fine_id  # the failing one is tried first

    db_session.commit()

    assert [m["To"] for m in smtp.messages] == ["fine@example.org"]
    assert smtp.messages[0]["Subject"] == "UNTOC COP12: регистрация утверждена"
    assert row(fine_id).status == MailStatus.SENT
    assert (row(broken_id).status, row(broken_id).attempts) == (MailStatus.QUEUED, 1)


def test_an_outbox_that_cannot_be_written_is_a_failure_on_the_mail_not_an_exception(app, outbox, db_session,
                                                                                  monkeypatch, tmp_path):
    not_a_folder = tmp_path / "occupied"
    not_a_folder.write_text("a file where the outbox folder should be")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX", str(not_a_folder))
    mail = queue_mail("amina.diallo@example.org", "registration_submitted", "en", **sample())
    db_session.flush()
    mail_id = mail.id

    db_session.commit()

    failed = row(mail_id)
    assert (failed.status, failed.attempts) == (MailStatus.QUEUED, 1)
    assert failed.last_error


def test_a_send_that_cannot_be_recorded_stays_queued_and_its_retry_rewrites_the_same_file(
        outbox, db_session, monkeypatch):
    queue_mail("first@example.org", "registration_submitted", "en", **sample())
    queue_mail("second@example.org", "registration_submitted", "en", **sample())
    db_session.flush()
    with monkeypatch.context() as patch:
        # The database refuses the result (a naive sent_at is refused on write) after each file is written.
        patch.setattr(services, "utcnow", lambda: datetime.now())
        db_session.commit()  # does not raise

    first_try = sent_files(outbox)
    assert len(first_try) == 2  # the first mail's trouble did not stop the second
    rows = db_session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [(m.status, m.attempts) for m in rows] == [(MailStatus.QUEUED, 0)] * 2
    db_session.commit()

    assert send_pending() == 2
    assert sent_files(outbox) == first_try  # the same names: a retry does not duplicate a message


def test_when_delivery_itself_breaks_the_commit_still_succeeds_and_the_mail_waits(
        outbox, db_session, monkeypatch, caplog):
    def broken(mail_ids):
        raise RuntimeError("the database went away")

    mail = queue_mail("amina.diallo@example.org", "registration_submitted", "en", **sample())
    db_session.flush()
    mail_id = mail.id

    with monkeypatch.context() as patch, caplog.at_level(logging.ERROR, logger=services.__name__):
        patch.setattr(services, "deliver", broken)
        db_session.commit()  # does not raise

    assert "the database went away" in caplog.text
    assert (row(mail_id).status, row(mail_id).attempts) == (MailStatus.QUEUED, 0)
    db_session.commit()
    assert send_pending() == 1
    assert len(sent_files(outbox)) == 1


def test_deliver_leaves_sent_and_unknown_mails_alone(outbox, db_session):
    queue_mail("amina.diallo@example.org", "registration_submitted", "en", **sample())
    db_session.commit()
    [sent_id] = db_session.scalars(select(OutgoingMail.id)).all()
    db_session.commit()

    assert deliver([sent_id, sent_id + 1000]) == 0
    assert len(sent_files(outbox)) == 1
    assert row(sent_id).attempts == 1


# --- Wiring -------------------------------------------------------------------------------------------------------

def test_init_app_twice_registers_each_hook_once(app, outbox, db_session, dispatched):
    init_app(app)
    init_app(app)
    for name, listener in services._LISTENERS.items():
        assert list(getattr(db_session().dispatch, name)).count(listener) == 1, name

    mail = queue_mail("amina.diallo@example.org", "registration_submitted", "en", **sample())
    db_session.flush()
    mail_id = mail.id
    db_session.commit()

    assert dispatched == [([mail_id], False)]
    assert len(sent_files(outbox)) == 1


# --- Through Redis and the worker ----------------------------------------------------------------------------------

def test_with_redis_the_worker_sends_the_mail(app, db_session, outbox, monkeypatch):
    """The commit queues an RQ job; `flask worker` (here a burst in this process) delivers it."""
    import os

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("Redis: TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/15)")
    from rq import Queue, SimpleWorker

    from conference.core import jobs

    monkeypatch.setitem(app.config, "REDIS_URL", url)
    # A queue of this test's own: another test process may be using Redis at the same time (pytest-xdist).
    monkeypatch.setattr(jobs, "QUEUE", f"plenary-test-{uuid.uuid4().hex[:8]}")
    connection = jobs.redis_connection()
    mail = queue_mail("amina.diallo@example.org", "registration_submitted", "en", **sample())
    db_session.flush()
    mail_id = mail.id
    db_session.commit()
    assert row(mail_id).status == MailStatus.QUEUED  # not sent by the web process
    assert Queue(jobs.QUEUE, connection=connection).count == 1
    SimpleWorker([jobs.QUEUE], connection=connection).work(burst=True)
    assert row(mail_id).status == MailStatus.SENT
    assert len(sent_files(outbox)) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_paragraphs_stay_apart_in_every_language(app, language):
    _, body, _ = render_mail("registration_approved", language, **sample())
    paragraphs = body.split("\n\n")
    # Greeting, announcement, the meeting, the badge, the link's sentence, the link, the closing, the signature;
    # a French letter puts the addressee and "Madame, Monsieur," in two.
    assert len(paragraphs) == (9 if language == "fr" else 8), body
    # The meeting's title and venue, a paragraph of their own.
    assert any(p.startswith("    Conference of the Parties") and p.endswith("    Vienna International Centre, Vienna")
               for p in paragraphs), body
    assert STATUS_URL in paragraphs and body.endswith("UNTOC COP12\nsecretariat@cop12.example\n")


def test_an_english_email_reads_as_written(app):
    _, body, _ = render_mail("registration_approved", "en", **sample())
    assert body.startswith("Dear Amina Diallo,\n\nWe are pleased to inform you")
    assert "Vienna International Centre, Vienna\n\nPlease collect your badge" in body
    assert body.endswith("\n\nKind regards,\n\nThe Secretariat\nUNTOC COP12\nsecretariat@cop12.example\n")


@pytest.mark.parametrize(("language", "gender", "greeting"), [
    ("ru", "female", "Уважаемая Amina Diallo!"), ("ru", "male", "Уважаемый Amina Diallo!"),
    ("es", "female", "Estimada Amina Diallo:"), ("ar", "undisclosed", "السيد/السيدة Amina Diallo المحترم/المحترمة،"),
    ("fr", "male", "Monsieur,"), ("en", "female", "Dear Amina Diallo,"),
])
def test_the_greeting_follows_the_gender_the_participant_gave(app, language, gender, greeting):
    _, body, _ = render_mail("registration_submitted", language, **sample(gender=Gender(gender)))
    assert greeting in body.split("\n\n")[0] + "\n\n" + body.split("\n\n")[1]


def test_a_french_letter_closes_with_the_words_it_opened_with(app):
    _, to_her, _ = render_mail("registration_approved", "fr", **sample(gender=Gender.FEMALE))
    _, unknown, _ = render_mail("registration_approved", "fr", **sample(gender=Gender.UNDISCLOSED))
    assert "\n\nMadame,\n" in to_her and "Veuillez agréer, Madame, l'expression" in to_her
    assert "Monsieur" not in to_her
    assert "Madame, Monsieur," in unknown and "Veuillez agréer, Madame, Monsieur," in unknown
