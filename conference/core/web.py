"""What the POST views share: keep what a service did, or undo it and show why.

A view calls one operation inside `saving()`: when the block ends, the
transaction is committed (and the e-mails it queued leave); when a service
refuses, it is rolled back and the reason is shown, next to the form's fields
when there is a form, else as an error message at the top of the next page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from wtforms.form import BaseForm

from conference.core.errors import Invalid, PlenaryError, RuleViolation
from conference.core.jobs import result_key
from conference.core.models import Job, JobStatus
from conference.core.storage import Storage
from conference.extensions import db


class Saved:
    """Whether the block was committed: true after a commit, false after a refusal."""

    def __init__(self) -> None:
        self.ok = False

    def __bool__(self) -> bool:
        return self.ok


def message_of(exc: PlenaryError) -> str:
    """A refusal as one message: every field's messages of an Invalid, in order, else its own."""
    if isinstance(exc, Invalid) and exc.errors:
        return " ".join(m for messages in exc.errors.values() for m in messages)
    return exc.message


def show_errors(form: BaseForm, exc: PlenaryError) -> None:
    """Put the services' messages next to the fields they concern; the rest above the form."""
    errors = exc.errors if isinstance(exc, Invalid) else {exc.field or "": [exc.message]}
    for name, messages in errors.items():
        field = form._fields.get(name) if name else None
        if field is None:
            form.form_errors.extend(messages)
        elif not field.errors:  # a refused upload already says what to send: one message is enough
            field.errors = list(messages)
    form._errors = None  # the form caches its errors: let it see these


@contextmanager
def saving(form: BaseForm | None = None, *, refusals: tuple[type[PlenaryError], ...] = (RuleViolation,),
           explain: Callable[[str], str] | None = None) -> Iterator[Saved]:
    """Commit what the block did, or roll it back and show why a service refused it (`refusals`: which errors
    are the user's to act on; others, a NotFound say, go on to the error pages). Without a form the reason is
    flashed, in the words of `explain` when given ("Not scheduled: …").

        with saving() as saved:
            services.transition(r, action, ...)
        if saved:
            flash(services.now_in_status(r), "success")
    """
    saved = Saved()
    try:
        yield saved
        db.session.commit()
    except refusals as exc:
        db.session.rollback()
        if form is not None:
            show_errors(form, exc)
        else:
            flash(explain(message_of(exc)) if explain else message_of(exc), "error")
        return
    saved.ok = True


def start_run(conference, create: Callable[[], Job], run: Callable[[int], object], form: BaseForm | None = None):
    """Start a background run (a badge run, a list of participants) from the page that asks for it: `create()` makes
    its Job row, committed before `run(job.id)` sends it to the background, and the answer is the run's page (the
    blueprint's `.job`). None when a service refused: the reason is shown at `form`, or flashed."""
    with saving(form, refusals=(PlenaryError,)) as saved:
        job = create()
    if not saved:
        return None
    run(job.id)
    return redirect(url_for(".job", code=conference.code, job_id=job.id))


def send_result(job: Job, storage: Storage, *, missing: str, mimetype: str, download_name: str):
    """A finished run's file (a badge run's PDF, a list of participants) as the download, from its storage; a 404
    that says `missing` while there is none."""
    key = result_key(job)
    if job.status != JobStatus.DONE or not key or not storage.exists(key):
        abort(404, description=missing)
    return send_stored(storage, key, mimetype=mimetype, download_name=download_name)


def job_page(template: str, job, **context):
    """The page of a background job (a badge run, a list of participants): it reloads itself every two seconds
    while the job is queued or running, so progress shows without any script."""
    response = current_app.make_response(render_template(template, job=job, JobStatus=JobStatus, **context))
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        response.headers["Refresh"] = "2"
    return response


def send_stored(storage: Storage, key: str, *, mimetype: str, download_name: str, as_attachment: bool = True):
    """A stored file as the response, streamed from its storage (the local folder or S3) in pieces, never read whole:
    for the views that have already checked who may see it. MissingFile (a 404) when there is none.

    Stored files never change under their key (each upload, run or list gets a new random one), so the key alone is
    the ETag, and a conditional or range request is answered without reading more than it asks.
    """
    size = storage.size(key)
    response = send_file(storage.open(key), mimetype=mimetype, download_name=download_name,
                         as_attachment=as_attachment, max_age=0, conditional=False, etag=False)
    response.content_length = size
    response.set_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
    return response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
