"""Forms of registration: the public form, the focal point's and the back office's share it."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from conference.registration.models import DelegationRole, Gender, Modality
from conference.registration.services import LANGUAGES, RegistrationData

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ru": "Русский", "ar": "العربية",
                  "zh": "中文"}
ROLE_LABELS = {DelegationRole.HEAD: "Head of delegation", DelegationRole.ALTERNATE: "Alternate representative",
               DelegationRole.ADVISER: "Adviser", DelegationRole.EXPERT: "Expert",
               DelegationRole.SUPPORT_STAFF: "Support staff"}
GENDER_LABELS = {Gender.FEMALE: "Female", Gender.MALE: "Male", Gender.OTHER: "Other",
                 Gender.UNDISCLOSED: "Prefer not to say"}
MODALITY_LABELS = {Modality.IN_PERSON: "In person, in Vienna", Modality.ONLINE_SPEAKER: "Online, as a speaker",
                   Modality.ONLINE_OBSERVER: "Online, as an observer"}


def options(pairs) -> list[SelectChoice]:
    """Choices of a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


@lru_cache(maxsize=1)
def _countries() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(((c.alpha_3, c.name) for c in pycountry.countries), key=lambda c: c[1]))


def nationality_choices() -> list[SelectChoice]:
    return options([("", "Choose…"), *_countries()])


class RegistrationForm(FlaskForm):
    """A person's registration. Fields that do not apply to a category are removed by the view."""

    delegation_id = SelectField("Delegation or organization", coerce=int, choices=options([(0, "Choose…")]),
                                validators=[InputRequired(message="Choose your delegation or organization.")])
    title = StringField("Title", validators=[Optional(), Length(max=20)], description="e.g. Ms., Mr., Dr., H.E.")
    family_name = StringField("Family name", validators=[InputRequired(message="Enter your family name."),
                                                         Length(max=120)],
                              description="As written in your passport.", render_kw={"autocomplete": "family-name"})
    given_names = StringField("Given names", validators=[InputRequired(message="Enter your given names."),
                                                         Length(max=120)],
                              description="As written in your passport.", render_kw={"autocomplete": "given-name"})
    badge_name = StringField("Name as printed on the badge", validators=[Optional(), Length(max=120)],
                             description="Leave empty to use your given and family names. Any script is fine.")
    gender = SelectField("Gender",
                         choices=options([("", "Choose…")] + [(g.value, label) for g, label in GENDER_LABELS.items()]),
                         validators=[InputRequired(message="Choose one of the options.")])
    nationality = SelectField("Nationality", choices=options([("", "Choose…")]), validators=[Optional()])
    date_of_birth = DateField("Date of birth", validators=[InputRequired(message="Enter your date of birth.")])
    passport_number = StringField("Passport or ID number",
                                  validators=[InputRequired(message="Enter the number of your passport or ID."),
                                              Length(max=40)])
    passport_expiry = DateField("Passport or ID valid until",
                                validators=[InputRequired(message="Enter the expiry date of your passport or ID.")])
    function_title = StringField("Function or title", validators=[Optional(), Length(max=200)],
                                 description="e.g. Counsellor, Senior Prosecutor")
    organization = StringField("Ministry, office or organization", validators=[Optional(), Length(max=200)])
    email = EmailField("E-mail", validators=[InputRequired(message="Enter your e-mail address."), Length(max=254)],
                       description="Your private link and all news of your registration go here.",
                       render_kw={"autocomplete": "email"})
    phone = StringField("Telephone", validators=[Optional(), Length(max=40)], render_kw={"autocomplete": "tel"})
    delegation_role = SelectField("Role in the delegation",
                                  choices=options([("", "Choose…")]
                                                  + [(r.value, label) for r, label in ROLE_LABELS.items()]),
                                  validators=[InputRequired(message="Choose your role in the delegation.")])
    modality = SelectField("Participation", choices=options((m.value, label) for m, label in MODALITY_LABELS.items()),
                           default=Modality.IN_PERSON.value)
    attendance_from = DateField("First day", validators=[Optional()])
    attendance_to = DateField("Last day", validators=[Optional()])
    language = SelectField("Language for our e-mails",
                           choices=options((code, LANGUAGE_NAMES[code]) for code in LANGUAGES),
                           default="en")
    photo = FileField("Photo for the badge",
                      description="Passport-style: head and shoulders, plain light background. JPEG or PNG, "
                                  "at most 5 MB.")
    document = FileField("Nominating document (PDF)")
    consent = BooleanField("I agree that the secretariat processes these data to accredit me to the session.")
    submit = SubmitField("Send registration")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.nationality.choices = nationality_choices()

    def to_data(self) -> RegistrationData:
        role = self.delegation_role.data if "delegation_role" in self._fields else None
        return RegistrationData(
            title=self.title.data or "", family_name=self.family_name.data or "",
            given_names=self.given_names.data or "", badge_name=self.badge_name.data or "",
            gender=Gender(self.gender.data) if self.gender.data in {g.value for g in Gender} else None,
            nationality=self.nationality.data or "", date_of_birth=self.date_of_birth.data,
            passport_number=self.passport_number.data or "", passport_expiry=self.passport_expiry.data,
            function_title=self.function_title.data or "", organization=self.organization.data or "",
            email=self.email.data or "", phone=self.phone.data or "",
            delegation_role=DelegationRole(role) if role in {r.value for r in DelegationRole} else None,
            modality=Modality(self.modality.data) if self.modality.data in {m.value for m in Modality}
            else Modality.IN_PERSON,
            attendance_from=self.attendance_from.data, attendance_to=self.attendance_to.data,
            language=self.language.data or "en", consent=bool(self.consent.data) if "consent" in self._fields else True)

    def fill(self, data: RegistrationData) -> None:
        """Show a stored registration in the form (GET of the edit page)."""
        for name in ("title", "family_name", "given_names", "badge_name", "nationality", "date_of_birth",
                     "passport_number", "passport_expiry", "function_title", "organization", "email", "phone",
                     "attendance_from", "attendance_to", "language"):
            if name in self._fields:
                self._fields[name].data = getattr(data, name)
        self.gender.data = data.gender.value if data.gender else ""
        self.modality.data = data.modality.value
        if "delegation_role" in self._fields:
            self.delegation_role.data = data.delegation_role.value if data.delegation_role else ""


class ReasonForm(FlaskForm):
    """An action on one or many registrations, with the reason sent to the participant."""

    action = HiddenField()
    reason = TextAreaField("Reason (sent to the participant)", validators=[Optional(), Length(max=2000)])


class DocumentForm(FlaskForm):
    document = FileField("Credentials (PDF)")
    submit = SubmitField("Send")
