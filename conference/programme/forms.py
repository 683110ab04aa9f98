"""Forms of the programme: the side-event application, scheduling, sessions the coordinator creates."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.form import Form
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from conference.programme.models import SessionFormat, SessionKind
from conference.registration.forms import GENDER_LABELS, options

FORMAT_LABELS = {SessionFormat.IN_PERSON: "In person", SessionFormat.HYBRID: "Hybrid",
                 SessionFormat.ONLINE: "Online"}


class SpeakerForm(Form):
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    function_title = StringField("Function", validators=[Optional(), Length(max=200)])
    gender = SelectField("Gender", choices=options([("", "—")] + [(g.value, label) for g, label in
                                                                  GENDER_LABELS.items()]),
                         validators=[Optional()])


class ApplicationForm(FlaskForm):
    title = StringField("Title of the event", validators=[InputRequired(message="Give the event a title."),
                                                          Length(max=300)])
    description = TextAreaField("Description", validators=[InputRequired(message="Describe the event."),
                                                           Length(max=5000)],
                                description="Its aim, its format and who speaks (at least 50 characters).")
    format = SelectField("Format", choices=options((f.value, label) for f, label in FORMAT_LABELS.items()))
    expected_attendance = IntegerField("Expected attendance",
                                       validators=[InputRequired(message="Say how many people you expect."),
                                                   NumberRange(min=1, max=2000)])
    languages = StringField("Languages", default="English", validators=[Optional(), Length(max=100)])
    preferred = SelectMultipleField("Preferred slots (up to three)", choices=[], validators=[Optional()],
                                    description="Hold Ctrl (or Cmd) to choose more than one.")
    co_organizers = SelectMultipleField("Co-organizers", coerce=int, choices=[], validators=[Optional()],
                                        description="Each must confirm through one of its participants.")
    speakers = FieldList(FormField(SpeakerForm), min_entries=6, max_entries=10)


class ReviewForm(FlaskForm):
    reason = TextAreaField("Reason (sent to the organizer)", validators=[Optional(), Length(max=2000)])


class ScheduleForm(FlaskForm):
    room = SelectField("Room", coerce=int, choices=[], validators=[InputRequired()])
    day = SelectField("Day", choices=[], validators=[InputRequired()])
    starts = StringField("Starts (HH:MM, venue time)", validators=[InputRequired(), Length(max=5)])
    ends = StringField("Ends (HH:MM, venue time)", validators=[InputRequired(), Length(max=5)])


class SessionForm(FlaskForm):
    kind = SelectField("Kind", choices=options((k.value, k.label) for k in SessionKind))
    title = StringField("Title", validators=[InputRequired(), Length(min=3, max=300)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    capacity = IntegerField("Seats to sign up for (empty: open to all)", validators=[Optional(),
                                                                                    NumberRange(min=1, max=5000)])
    expected_attendance = IntegerField("Expected attendance", validators=[Optional(), NumberRange(min=1, max=5000)])
    is_closed = BooleanField("Closed: by invitation only")
    restricted_to_parties = BooleanField("Restricted to States parties and signatories")


def choice(value, label) -> SelectChoice:
    return SelectChoice(value, label)
