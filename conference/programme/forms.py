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

from conference.core.i18n import _, _l
from conference.programme.models import SessionFormat, SessionKind
from conference.registration.forms import options
from conference.registration.models import Gender


class SpeakerForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    function_title = StringField(_l("Function"), validators=[Optional(), Length(max=200)])
    gender = SelectField(_l("Gender"), choices=[], validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per form, in the language of the page (the labels are the enumeration's).
        self.gender.choices = options([("", "—")] + [(g.value, g.label) for g in Gender])


class ApplicationForm(FlaskForm):
    title = StringField(_l("Title of the event"),
                        validators=[InputRequired(message=_l("Give the event a title.")), Length(max=300)])
    description = TextAreaField(_l("Description"),
                                validators=[InputRequired(message=_l("Describe the event.")), Length(max=5000)],
                                description=_l("Its aim, its format and who speaks (at least 50 characters)."))
    format = SelectField(_l("Format"), choices=[])
    expected_attendance = IntegerField(_l("Expected attendance"),
                                       validators=[InputRequired(message=_l("Say how many people you expect.")),
                                                   NumberRange(min=1, max=2000)])
    # Prefilled for the applicant to change, in the language of the page (what they type is theirs).
    languages = StringField(_l("Languages"), default=lambda: _("English"), validators=[Optional(), Length(max=100)])
    preferred = SelectMultipleField(_l("Preferred slots (up to three)"), choices=[], validators=[Optional()],
                                    description=_l("Hold Ctrl (or Cmd) to choose more than one."))
    co_organizers = SelectMultipleField(_l("Co-organizers"), coerce=int, choices=[], validators=[Optional()],
                                        description=_l("Each must confirm through one of its participants."))
    speakers = FieldList(FormField(SpeakerForm), min_entries=6, max_entries=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.format.choices = options((f.value, f.label) for f in SessionFormat)


class ReviewForm(FlaskForm):
    reason = TextAreaField(_l("Reason (sent to the organizer)"), validators=[Optional(), Length(max=2000)])


class ScheduleForm(FlaskForm):
    room = SelectField(_l("Room"), coerce=int, choices=[], validators=[InputRequired()])
    day = SelectField(_l("Day"), choices=[], validators=[InputRequired()])
    starts = StringField(_l("Starts (HH:MM, venue time)"), validators=[InputRequired(), Length(max=5)])
    ends = StringField(_l("Ends (HH:MM, venue time)"), validators=[InputRequired(), Length(max=5)])


class SessionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[])
    title = StringField(_l("Title"), validators=[InputRequired(), Length(min=3, max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    capacity = IntegerField(_l("Seats to sign up for (empty: open to all)"),
                            validators=[Optional(), NumberRange(min=1, max=5000)])
    expected_attendance = IntegerField(_l("Expected attendance"), validators=[Optional(), NumberRange(min=1, max=5000)])
    is_closed = BooleanField(_l("Closed: by invitation only"))
    restricted_to_parties = BooleanField(_l("Restricted to States parties and signatories"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = options((k.value, k.label) for k in SessionKind)


def choice(value, label) -> SelectChoice:
    return SelectChoice(value, label)
