"""Forms of the back office's session pages: a new session, its settings, a copy of an earlier one."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    ColorField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conference.conferences.models import DEFAULT_BADGE_SCHEME
from conference.conferences.services import BadgeCategory, CopyRequest, RoomData, SessionSettings
from conference.core.i18n import LANGUAGES, _, _l
from conference.registration.forms import language_options

# What a browser's datetime-local input sends (and what it is given back), and a typed variant.
MINUTE = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class SettingsForm(FlaskForm):
    venue = StringField(_l("Venue"))
    city = StringField(_l("City"))
    timezone = StringField(_l("Time zone of the venue"), description=_l("Its IANA name, e.g. Europe/Vienna."),
                           render_kw={"list": "timezones", "autocomplete": "off", "dir": "ltr"})
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    venue_opens = TimeField(_l("The venue opens at"), validators=[Optional()])
    venue_closes = TimeField(_l("The venue closes at"), validators=[Optional()])
    registration_opens = DateTimeLocalField(_l("Registration opens"), format=MINUTE, validators=[Optional()],
                                            description=_l("Venue time, to the minute; empty: no limit."))
    registration_closes = DateTimeLocalField(_l("Registration closes"), format=MINUTE, validators=[Optional()],
                                             description=_l("Venue time, to the minute; empty: no limit."))
    side_events_open = DateTimeLocalField(_l("Side-event applications open"), format=MINUTE,
                                          validators=[Optional()],
                                          description=_l("Venue time, to the minute; empty: no limit."))
    side_events_close = DateTimeLocalField(_l("Side-event applications close"), format=MINUTE,
                                           validators=[Optional()],
                                           description=_l("Venue time, to the minute; empty: no limit."))
    retention_days = IntegerField(_l("Personal data kept for (days after the last day)"), validators=[Optional()])
    ngo_quota = IntegerField(_l("Participants per NGO"), validators=[Optional()],
                             description=_l("Empty: no limit. A delegation's own quota comes first."))
    side_events_per_organizer = IntegerField(_l("Side events per lead organizer"), validators=[Optional()])
    contact_email = EmailField(_l("The secretariat's e-mail address"), validators=[Optional()],
                               description=_l("Shown at the foot of every public page of the session and in every "
                                              "e-mail, so that participants know where to write."),
                               render_kw={"dir": "ltr", "autocomplete": "email"})
    languages = SelectMultipleField(_l("Languages of the session"), choices=[], validators=[Optional()],
                                    widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages.choices = language_options()
        for code, language in LANGUAGES.items():
            self[f"title_{code}"].label.text = _("Title (%(language)s)", language=language.name)
            self[f"short_title_{code}"].label.text = _("Short title (%(language)s)", language=language.name)

    def title_fields(self):
        """(title field, short title field) for each of the six languages, English first."""
        order = ["en"] + [code for code in LANGUAGES if code != "en"]
        return [(self[f"title_{code}"], self[f"short_title_{code}"]) for code in order]

    def fill(self, settings: SessionSettings) -> None:
        """Show a session's settings (on a first GET only: a POST shows what was typed)."""
        for code in LANGUAGES:
            self[f"title_{code}"].data = settings.titles.get(code, "")
            self[f"short_title_{code}"].data = settings.short_titles.get(code, "")
        for name in ("venue", "city", "timezone", "starts_on", "ends_on", "venue_opens", "venue_closes",
                     "registration_opens", "registration_closes", "side_events_open", "side_events_close",
                     "retention_days", "ngo_quota", "side_events_per_organizer", "languages", "contact_email"):
            self[name].data = getattr(settings, name)

    def to_settings(self) -> SessionSettings:
        return SessionSettings(
            titles={code: self[f"title_{code}"].data or "" for code in LANGUAGES},
            short_titles={code: self[f"short_title_{code}"].data or "" for code in LANGUAGES},
            venue=self.venue.data, city=self.city.data, timezone=self.timezone.data, starts_on=self.starts_on.data,
            ends_on=self.ends_on.data, venue_opens=self.venue_opens.data, venue_closes=self.venue_closes.data,
            registration_opens=self.registration_opens.data, registration_closes=self.registration_closes.data,
            side_events_open=self.side_events_open.data, side_events_close=self.side_events_close.data,
            retention_days=self.retention_days.data, ngo_quota=self.ngo_quota.data,
            side_events_per_organizer=self.side_events_per_organizer.data, languages=self.languages.data or [],
            contact_email=self.contact_email.data or "")


# One title and one short title field per language; labelled in the page's language when the form is built.
for _code in LANGUAGES:
    setattr(SettingsForm, f"title_{_code}", StringField())
    setattr(SettingsForm, f"short_title_{_code}", StringField())


class NewSessionForm(SettingsForm):
    code = StringField(_l("Code"), description=_l("Part of every address of the session, e.g. cop13: lower-case "
                                                  "letters, digits and hyphens. It cannot be changed later."))


class CopyForm(FlaskForm):
    source = SelectField(_l("Copy from"), choices=[])
    code = StringField(_l("Code"), description=_l("Part of every address of the session, e.g. cop13: lower-case "
                                                  "letters, digits and hyphens. It cannot be changed later."))
    title = StringField(_l("Title (English)"))
    short_title = StringField(_l("Short title (English)"), description=_l("Empty: the code in capitals."))
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    registration_closes_on = DateField(_l("Last day of registration"), validators=[Optional()],
                                       description=_l("Empty: 14 days before the first day."))

    def __init__(self, sources, *args, **kwargs):
        super().__init__(*args, prefix="copy", **kwargs)
        self.source.choices = [(c.code, f"{c.display_short_title} ({c.code})") for c in sources]

    def to_request(self) -> CopyRequest:
        return CopyRequest(code=self.code.data or "", title=self.title.data or "",
                           short_title=self.short_title.data or "", starts_on=self.starts_on.data,
                           ends_on=self.ends_on.data, registration_closes_on=self.registration_closes_on.data)


class RoomForm(FlaskForm):
    name = StringField(_l("Name of the room"))
    building = StringField(_l("Building"))
    capacity = IntegerField(_l("Seats"), validators=[Optional()])

    def to_data(self) -> RoomData:
        return RoomData(name=self.name.data or "", building=self.building.data or "", capacity=self.capacity.data)


class BadgeSchemeForm(FlaskForm):
    """Colour, letter and legend of each badge category; fields built per category (badge_HEAD_colour, ...)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for category, default in DEFAULT_BADGE_SCHEME.items():
            name = default["label"]
            self[f"badge_{category}_colour"].label.text = _("Colour: %(category)s", category=name)
            self[f"badge_{category}_letter"].label.text = _("Letter: %(category)s", category=name)
            self[f"badge_{category}_legend"].label.text = _("Legend: %(category)s", category=name)
            self[f"badge_{category}_legend"].render_kw = {"placeholder": str(name)}

    def rows(self):
        """(category, colour field, letter field, legend field) in the scheme's order."""
        return [(c, self[f"badge_{c}_colour"], self[f"badge_{c}_letter"], self[f"badge_{c}_legend"])
                for c in DEFAULT_BADGE_SCHEME]

    def fill(self, scheme: dict[str, BadgeCategory]) -> None:
        for category, chosen in scheme.items():
            self[f"badge_{category}_colour"].data = chosen.colour
            self[f"badge_{category}_letter"].data = chosen.letter
            self[f"badge_{category}_legend"].data = chosen.legend

    def to_scheme(self) -> dict[str, BadgeCategory]:
        return {c: BadgeCategory(colour=self[f"badge_{c}_colour"].data or "",
                                 letter=self[f"badge_{c}_letter"].data or "",
                                 legend=self[f"badge_{c}_legend"].data or "") for c in DEFAULT_BADGE_SCHEME}


for _category in DEFAULT_BADGE_SCHEME:
    setattr(BadgeSchemeForm, f"badge_{_category}_colour", ColorField())
    setattr(BadgeSchemeForm, f"badge_{_category}_letter", StringField())
    setattr(BadgeSchemeForm, f"badge_{_category}_legend", StringField(
        description=_l("Printed on the band beside the letter; empty: the category's name in the language of the "
                       "badge run.")))
