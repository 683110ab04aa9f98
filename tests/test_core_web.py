"""The POST views' one way to save: commit what a service did, or roll it back and show why."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from conference.conferences.models import Conference
from conference.core.errors import Invalid, NotFound, PermissionDenied, RuleViolation
from conference.core.web import message_of, saving
from conference.extensions import db
from tests.factories import make_conference


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Conference))


def test_a_block_that_goes_through_is_committed(app, db_session):
    with app.test_request_context(method="POST"):
        with saving() as saved:
            make_conference("cop41")
        assert saved and get_flashed_messages() == []
    db_session.rollback()  # what was committed stays
    assert _count() == 1


def test_a_refusal_is_rolled_back_and_told_above_the_next_page(app, db_session):
    with app.test_request_context(method="POST"):
        with saving() as saved:
            make_conference("cop42")
            raise Invalid({"reason": ["Give a reason."], "email": ["Check the address."]})
        assert not saved
        assert get_flashed_messages(with_categories=True) == [("error", "Give a reason. Check the address.")]
    assert _count() == 0


def test_a_refusal_with_a_form_goes_next_to_its_fields(app, db_session):
    with app.test_request_context(method="POST", data={"name": "x"}):
        form = NameForm()
        with saving(form) as saved:
            raise Invalid({"name": ["Too short."], "other": ["Something else."]})
        assert not saved and get_flashed_messages() == []
        assert form.name.errors == ["Too short."] and form.form_errors == ["Something else."]


def test_only_the_refusals_named_are_caught(app, db_session):
    with app.test_request_context(method="POST"):
        with pytest.raises(NotFound):
            with saving():
                raise NotFound("No such thing.")
        with saving(refusals=(RuleViolation, PermissionDenied)) as saved:
            raise PermissionDenied("Not yours.")
        assert not saved and get_flashed_messages() == ["Not yours."]


def test_a_message_of_a_single_refusal_is_its_own():
    assert message_of(RuleViolation("The quota is reached.")) == "The quota is reached."
