"""Forms of the badge desk: a print run, and collecting a badge at the pass office."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from conference.badges.services import CATEGORIES
from conference.conferences.models import DEFAULT_BADGE_SCHEME
from conference.core.i18n import _l
from conference.registration.forms import options

SIZE_LABELS = {"a6": _l("A6, one badge per page"), "id1": _l("ID-1 card (85.6 × 54 mm)"),
               "a4-sheet": _l("A4 sheets of four A6 badges (office printer)")}


class BadgeRunForm(FlaskForm):
    category = SelectField(_l("Category"), choices=options([("", _l("All"))] + [
        (c, DEFAULT_BADGE_SCHEME[c]["label"]) for c in CATEGORIES]), default="")
    delegation = SelectField(_l("Delegation"), choices=options([("", _l("All"))]), default="")
    only_unprinted = BooleanField(_l("Only badges not printed yet"))
    registration_id = IntegerField(_l("One registration (its number)"),
                                   validators=[Optional(), NumberRange(min=1, max=2_147_483_647)])
    size = SelectField(_l("Paper"), choices=options(SIZE_LABELS.items()), default="a6")
    reprint = BooleanField(_l("Issue new serials: the badges printed before stop working at the doors"))


class CollectForm(FlaskForm):
    photo_checked = BooleanField(_l("I compared the person with the photo and with their photo ID"))


class ShortNameForm(FlaskForm):
    short_name = StringField(_l("Short form of the name (printed only when the whole name does not fit)"),
                             validators=[Optional(), Length(max=60)])
