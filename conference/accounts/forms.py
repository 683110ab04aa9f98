from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conference.accounts.models import Role
from conference.core.i18n import _l, current_language


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    """Asking for a link that sets a new password: the answer is the same whatever the address."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)],
                       description=_l("The address you sign in with."), render_kw={"autocomplete": "email"})


class SetPasswordForm(FlaskForm):
    """The page an invitation's or a reset's link opens. The rules themselves are the services'."""

    password = PasswordField(_l("New password"), validators=[DataRequired()],
                             description=_l("At least 12 characters. A sentence you remember is a good password."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("The new password again"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


def _language_choices():
    from conference.registration.forms import language_options

    return language_options()


class _Invitation(FlaskForm):
    """Who is invited and in which language the e-mail goes: what every invitation form asks."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)],
                       description=_l("As shown in the audit log."))
    language = SelectField(_l("Language of the invitation"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = _language_choices()
        if not self.language.data:
            self.language.data = current_language().code


class FocalPointInvitationForm(_Invitation):
    """An invitation to be the focal point of the delegation whose page it is on."""


class InvitationForm(_Invitation):
    """An invitation to the back office (/admin/users): the address, the roles, a focal point's delegation."""

    roles = SelectMultipleField(_l("Roles"), choices=[], validators=[DataRequired()],
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    delegation = SelectField(_l("Delegation (focal points only)"), choices=[], coerce=int,
                             validators=[Optional()])

    def __init__(self, delegations: list[tuple[int, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [(r.value, r.label) for r in Role]
        self.delegation.choices = [(0, "—"), *delegations]

    def role_list(self) -> list[Role]:
        return [Role(r) for r in self.roles.data or [] if r in Role.__members__]

    def delegation_id(self) -> int | None:
        return self.delegation.data or None
