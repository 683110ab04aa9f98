"""Forms of registration: the public form, the focal point's and the back office's share it."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from conference.core.i18n import LANGUAGES, _l, countries, current_language, language_of, lazy_pgettext, sort_key
from conference.registration.models import (
    PARTY_KINDS,
    Delegation,
    DelegationRole,
    EcosocStatus,
    Gender,
    Modality,
    TreatyStatus,
)
from conference.registration.services import MAX_QUOTA, RegistrationData, email_problem


def label_of(member) -> LazyString:
    """An enumeration member's label (see `labels` in the models), read in the page's language when shown."""
    return LazyString(lambda: member.label)


# The roles a member of a government delegation chooses from (REPRESENTATIVE is set for organizations and media).
ROLES = (DelegationRole.HEAD, DelegationRole.ALTERNATE, DelegationRole.ADVISER, DelegationRole.EXPERT,
         DelegationRole.SUPPORT_STAFF)


def options(pairs) -> list[SelectChoice]:
    """Choices of a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_options() -> list[SelectChoice]:
    """The six languages, each named in itself and marked as such, so that screen readers pronounce it right."""
    return [SelectChoice(lang.code, lang.name, render_kw={"lang": lang.code, "dir": lang.direction})
            for lang in LANGUAGES.values()]


def page_language() -> str:
    """The language of the page: a participant registering on the Arabic page gets Arabic e-mails."""
    return current_language().code


def check_email(form, field) -> None:
    """The services' rule for an e-mail address, checked with the form's other fields, so that a wrong address is
    said in the same round as every other error (not only once everything else is right)."""
    if field.data and (problem := email_problem(field.data)):
        raise ValidationError(problem)


def nationality_choices() -> list[SelectChoice]:
    return options([("", _l("Choose…")), *countries()])


class DayField(DateField):
    """A date typed as year-month-day, the one order every language reads the same way, and said in the hint.

    A text box rather than the browser's date picker: the picker's order follows the computer's settings, not the
    page's language (an English page on a US browser asks for month/day/year), so no hint could say it right."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("description", _l("Year-month-day, e.g. 1980-05-17."))
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "spellcheck": "false", "size": 10})
        super().__init__(label, validators, format="%Y-%m-%d", **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Write the date as year-month-day, e.g. 1980-05-17.")) from None


class RegistrationForm(FlaskForm):
    """A person's registration. Fields that do not apply to a category are removed by the view."""

    delegation_id = SelectField(_l("Delegation or organization"), coerce=int, choices=options([(0, _l("Choose…"))]),
                                validators=[InputRequired(message=_l("Choose your delegation or organization."))])
    title = StringField(lazy_pgettext("form of address", "Title"), validators=[Optional(), Length(max=20)],
                        description=_l("e.g. Ms., Mr., Dr., H.E."))
    family_name = StringField(_l("Family name"), validators=[InputRequired(message=_l("Enter your family name.")),
                                                             Length(max=120)],
                              description=_l("As written in your passport."),
                              render_kw={"autocomplete": "family-name"})
    given_names = StringField(_l("Given names"), validators=[InputRequired(message=_l("Enter your given names.")),
                                                             Length(max=120)],
                              description=_l("As written in your passport."), render_kw={"autocomplete": "given-name"})
    badge_name = StringField(_l("Name as printed on the badge"), validators=[Optional(), Length(max=120)],
                             description=_l("Leave empty to use your given and family names. Any script is fine."))
    gender = SelectField(_l("Gender"),
                         choices=options([("", _l("Choose…"))] + [(g.value, label_of(g)) for g in Gender]),
                         validators=[InputRequired(message=_l("Choose one of the options."))])
    nationality = SelectField(_l("Nationality"), choices=options([("", _l("Choose…"))]), validators=[Optional()])
    date_of_birth = DayField(_l("Date of birth"), validators=[InputRequired(message=_l("Enter your date of birth."))])
    passport_number = StringField(_l("Passport or ID number"),
                                  validators=[InputRequired(message=_l("Enter the number of your passport or ID.")),
                                              Length(max=40)])
    passport_expiry = DayField(_l("Passport or ID valid until"),
                                validators=[InputRequired(message=_l("Enter the expiry date of your passport or ID."))])
    function_title = StringField(_l("Function or title"), validators=[Optional(), Length(max=200)],
                                 description=_l("e.g. Counsellor, Senior Prosecutor"))
    organization = StringField(_l("Ministry, office or organization"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[InputRequired(message=_l("Enter your e-mail address.")),
                                                 Length(max=254), check_email],
                       description=_l("Your private link and all news of your registration go here."),
                       render_kw={"autocomplete": "email"})
    phone = StringField(_l("Telephone"), validators=[Optional(), Length(max=40)], render_kw={"autocomplete": "tel"})
    delegation_role = SelectField(_l("Role in the delegation"),
                                  choices=options([("", _l("Choose…"))] + [(r.value, label_of(r)) for r in ROLES]),
                                  validators=[InputRequired(message=_l("Choose your role in the delegation."))])
    modality = SelectField(_l("Participation"), choices=options((m.value, label_of(m)) for m in Modality),
                           default=Modality.IN_PERSON.value)
    attendance_from = DayField(_l("First day"), validators=[Optional()])
    attendance_to = DayField(_l("Last day"), validators=[Optional()])
    # Each language named in itself; a new form offers the language of the page.
    language = SelectField(_l("Language for our e-mails"), choices=language_options(), default=page_language)
    photo = FileField(_l("Photo for the badge"),
                      description=_l("Passport-style: head and shoulders, plain light background. JPEG or PNG, "
                                     "at most 5 MB."))
    document = FileField(_l("Nominating document (PDF)"))
    consent = BooleanField(_l("I agree that the secretariat processes these data to accredit me to the session."),
                           validators=[InputRequired(message=_l("Please agree to the processing of your personal "
                                                                "data, or we cannot register you."))])
    submit = SubmitField(_l("Send registration"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.nationality.choices = nationality_choices()

    def validate_delegation_id(self, field) -> None:
        # "Choose…" is sent as 0: a field left unchosen, to say so at the field (never a page that loses the form).
        if not field.data:
            raise ValidationError(_l("Choose your delegation or organization."))

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
            language=language_of(self.language.data),
            consent=bool(self.consent.data) if "consent" in self._fields else True)

    @classmethod
    def for_delegation(cls, delegation: Delegation) -> RegistrationForm:
        """The form for a person of a known delegation (the focal point's pages, the private link): no choice of
        delegation, no consent or nominating document to give again, a role only in a State's delegation."""
        form = cls()
        del form.delegation_id, form.consent, form.document
        if delegation.entity.entity_type not in PARTY_KINDS:
            del form.delegation_role
        return form

    def offer(self, delegations: Iterable[Delegation]) -> None:
        """The delegations to choose from: named in the page's language where the official name is known, sorted
        as read."""
        named = sorted(((d.id, d.entity.display_name) for d in delegations), key=lambda c: sort_key(c[1]))
        self.delegation_id.choices = options([(0, _l("Choose…")), *named])

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
    reason = TextAreaField(_l("Reason (sent to the participant)"), validators=[Optional(), Length(max=2000)])


class ResendForm(FlaskForm):
    """A participant who lost their private link asks for it again."""

    email = EmailField(_l("E-mail"), validators=[InputRequired(message=_l("Enter your e-mail address.")),
                                                 Length(max=254),
                                                 Email(message=_l("Enter an e-mail address like name@example.org."))],
                       description=_l("The address you registered with."), render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Send me my link"))


class WithdrawForm(FlaskForm):
    """Withdrawing a registration, whoever does it: a confirmation with the reason, which the participant is sent."""

    reason = TextAreaField(_l("Why is the registration withdrawn?"),
                           validators=[InputRequired(message=_l("Say why the registration is withdrawn.")),
                                       Length(max=2000)],
                           description=_l("Sent to the participant by e-mail and kept in the registration's "
                                          "history."))
    submit = SubmitField(_l("Withdraw the registration"))


class DocumentForm(FlaskForm):
    document = FileField(_l("Credentials (PDF)"))
    submit = SubmitField(_l("Send"))


class NominationForm(FlaskForm):
    document = FileField(_l("Nominating document (PDF)"))
    submit = SubmitField(_l("Send"))


class FiledDocumentForm(FlaskForm):
    """A document the secretariat files for a delegation (received by e-mail or by hand)."""

    kind = SelectField(_l("Which document"), choices=[], validate_choice=False)  # the services' rule decides
    document = FileField(_l("The document (PDF)"), render_kw={"accept": "application/pdf"})

    def __init__(self, kinds, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in kinds]


class MediaRegistrationForm(RegistrationForm):
    """A journalist's registration: an outlet from the list, or typed when nobody listed it (the secretariat checks
    it before approving)."""

    outlet = StringField(_l("Your outlet, if it is not in the list"), validators=[Optional(), Length(max=300)],
                         description=_l("Leave the list at “Choose…” and type the outlet's name: the secretariat "
                                        "checks it before approving your registration."))

    def validate_delegation_id(self, field) -> None:
        if not field.data and not (self.outlet.data or "").strip():
            raise ValidationError(_l("Choose your outlet, or type its name below."))


class QuotaForm(FlaskForm):
    """The delegation's own quota, set by the secretariat; empty: the session's default for its category."""

    quota = IntegerField(_l("Quota"), validators=[Optional(), NumberRange(min=1, max=MAX_QUOTA, message=_l(
        "A quota is a whole number from 1 to %(max)d, or empty for the session's default."))],
                         description=_l("How many people the delegation may send. Empty: the session's default "
                                        "(participants per NGO for NGOs, no limit for the others)."),
                         render_kw={"inputmode": "numeric", "min": 1})
    submit = SubmitField(_l("Save the quota"))


class TreatyStatusForm(FlaskForm):
    """A State's treaty status at the session, set by the secretariat on the delegation's page."""

    treaty_status = SelectField(_l("Treaty status at this session"),
                                validators=[InputRequired(message=_l("Choose the treaty status."))],
                                description=_l("Where the State stands at this session; earlier sessions keep "
                                               "the status they had."))
    reason = TextAreaField(_l("Note (kept in the history)"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Save the treaty status"))

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        # The statuses' words in the language of the request.
        self.treaty_status.choices = options([("", _l("Choose…")), *((s.value, s.label) for s in TreatyStatus)])


class RosterForm(FlaskForm):
    """The NGO roster as a CSV file; once previewed without problems, its text comes back to be imported."""

    file = FileField(_l("Roster (CSV, UTF-8)"))
    content = HiddenField()
    confirm = HiddenField()


class StatusesImportForm(RosterForm):
    """The States' treaty statuses as a CSV file (iso3, status), previewed, then imported."""

    file = FileField(_l("Treaty statuses (CSV, UTF-8)"),
                     description=_l("Two columns, iso3 and status (party, signatory or non-signatory), one State a "
                                    "line."))


class RegistrationsImportForm(RosterForm):
    """Registrations as a CSV file (the columns of `participants import`), previewed, then imported."""

    file = FileField(_l("Registrations (CSV, UTF-8)"),
                     description=_l("The columns of the download from the queue: a downloaded file is a template."))


class NgoForm(FlaskForm):
    """An NGO as the roster keeps it, corrected by the secretariat."""

    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Enter the organization's name.")),
                                               Length(max=300)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=80)])
    country = SelectField(_l("Country"), choices=options([("", _l("None"))]), validators=[Optional()],
                          description=_l("Where the organization has its seat."))
    ecosoc_status = SelectField(_l("ECOSOC status"), validators=[Optional()], choices=options(
        [("", _l("None: an NGO without consultative status")), *((s.value, label_of(s)) for s in EcosocStatus)]))
    website = StringField(_l("Web site"), validators=[Optional(), Length(max=300)],
                          description=_l("e.g. https://example.org"), render_kw={"dir": "ltr"})
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", _l("None")), *countries()])


class NgoDecisionForm(FlaskForm):
    """The session's decision on an NGO: admitted or not, the day it was taken, why."""

    decision = SelectField(_l("Decision"), validators=[InputRequired(message=_l("Choose the decision."))],
                           choices=options([("", _l("Choose…")), ("admit", _l("Admitted")),
                                            ("refuse", _l("Not admitted"))]))
    decided_on = DayField(_l("Day of the decision"), validators=[Optional()],
                          description=_l("Year-month-day, e.g. 2026-10-12; empty: today."))
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)],
                           description=_l("Needed when the NGO is not admitted; kept with the decision."))
    submit = SubmitField(_l("Record the decision"))


class NgoRequestForm(NgoForm):
    """An NGO that is not on the list asks to be (the public registration path), with whom to tell of the decision."""

    contact_name = StringField(_l("Your name"), validators=[InputRequired(message=_l("Enter your name.")),
                                                           Length(max=200)], render_kw={"autocomplete": "name"})
    email = EmailField(_l("Your e-mail address"), validators=[
        InputRequired(message=_l("Enter your e-mail address.")), Length(max=254)],
        description=_l("The secretariat's decision is sent here."), render_kw={"autocomplete": "email"})
    language = SelectField(_l("Language for our e-mails"), choices=language_options(), default=page_language)
    message = TextAreaField(_l("Anything the secretariat should know"), validators=[Optional(), Length(max=2000)],
                            description=_l("e.g. the organization's work on the Convention's themes."))
    submit = SubmitField(_l("Send the request"))


class RequestDecisionForm(FlaskForm):
    """The secretariat's answer to an organization's request."""

    decision = SelectField(_l("Decision"), validators=[InputRequired(message=_l("Choose the decision."))],
                           choices=options([("", _l("Choose…")), ("admit", _l("Admit")),
                                            ("refuse", _l("Do not admit"))]))
    reason = TextAreaField(_l("Reason (sent to whoever asked; needed to refuse)"),
                           validators=[Optional(), Length(max=1000)])


class OutletDecisionForm(FlaskForm):
    """The secretariat's check of an outlet a journalist typed."""

    decision = SelectField(_l("Decision"), validators=[InputRequired(message=_l("Choose the decision."))],
                           choices=options([("", _l("Choose…")), ("accept", _l("Accept: a real outlet")),
                                            ("merge", _l("The same as an outlet on the list")),
                                            ("refuse", _l("Refuse"))]))
    into = SelectField(_l("Outlet on the list"), coerce=int, choices=options([(0, _l("Choose…"))]),
                       validators=[Optional()], description=_l("Only to merge."))
    reason = TextAreaField(_l("Reason (sent to its journalists; needed to refuse)"),
                           validators=[Optional(), Length(max=1000)])
