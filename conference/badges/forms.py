"""Forms of the badge desk: a print run, and collecting a badge at the pass office."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from conference.badges.services import CATEGORIES
from conference.conferences.models import DEFAULT_BADGE_SCHEME
from conference.registration.forms import options

SIZE_LABELS = {"a6": "A6, one badge per page", "id1": "ID-1 card (85.6 × 54 mm)",
               "a4-sheet": "A4 sheets of four A6 badges (office printer)"}


class BadgeRunForm(FlaskForm):
    category = SelectField("Category", choices=options([("", "All")] + [
        (c, DEFAULT_BADGE_SCHEME[c]["label"]) for c in CATEGORIES]), default="")
    delegation = SelectField("Delegation", choices=options([("", "All")]), default="")
    only_unprinted = BooleanField("Only badges not printed yet")
    registration_id = IntegerField("One registration (its number)",
                                   validators=[Optional(), NumberRange(min=1, max=2_147_483_647)])
    size = SelectField("Paper", choices=options(SIZE_LABELS.items()), default="a6")
    reprint = BooleanField("Issue new serials: the badges printed before stop working at the doors")


class CollectForm(FlaskForm):
    photo_checked = BooleanField("I compared the person with the photo and with their photo ID")
