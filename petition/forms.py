"""Flask-WTF forms: shape checks and normalisation only, never database queries."""

from __future__ import annotations

from typing import Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from flask import current_app, request
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from petition.postal import (
    EU_MEMBER_STATES,
    POSTAL_CODE_REQUIRED,
    is_valid_postal_code,
    normalize_postal_code,
    postal_code_example,
)
from petition.text import clean_multiline, clean_text, is_web_url

NAME_MAX = 200
EMAIL_MAX = 254  # RFC 5321 path limit
REPORT_MAX = 2000
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds on PostgreSQL
ADDRESS_MAX = 200  # the geocoder reads one line; longer is not an address
FIRST_GROUP = "Canada, United States, European Union"
OTHER_GROUP = "Other countries"


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)


def country_choices() -> list[SelectChoice]:
    """Canada, the United States and the EU 27 first, then every other country."""
    first = ["CA", "US", *sorted(EU_MEMBER_STATES, key=_country_name)]
    rest = sorted(
        (c.alpha_2 for c in pycountry.countries if c.alpha_2 not in first),
        key=_country_name,
    )
    return [
        SelectChoice("", "Choose your country"),
        *(SelectChoice(c, _country_name(c), optgroup=FIRST_GROUP) for c in first),
        *(SelectChoice(c, _country_name(c), optgroup=OTHER_GROUP) for c in rest),
    ]


COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries)


class Form(FlaskForm):  # type: ignore[misc]  # flask-wtf ships no type hints
    """A form read from the submitted form fields only.

    flask-wtf falls back to a JSON body when a POST has no form fields, which hands the
    fields numbers, lists or objects instead of text; our forms are HTML forms.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not args and "formdata" not in kwargs and request.method in SUBMIT_METHODS:
            kwargs["formdata"] = request.form
        super().__init__(*args, **kwargs)


def check_email(field: Field) -> None:
    """Validate an email field with email-validator and store its normalized form."""
    if len(field.data) > EMAIL_MAX:
        raise ValidationError("This email address is too long.")
    try:
        result = validate_email(
            field.data,
            check_deliverability=current_app.config["EMAIL_CHECK_DELIVERABILITY"],
        )
    except EmailNotValidError as exc:
        raise ValidationError(f"Enter a valid email address: {exc}") from exc
    field.data = result.normalized


class SignForm(Form):
    name = StringField(
        "Your name",
        filters=[clean_text],
        validators=[
            DataRequired("Enter your name."),
            Length(max=NAME_MAX, message=f"Keep your name under {NAME_MAX} characters."),
        ],
    )
    email = EmailField(
        "Email address",
        filters=[clean_text],
        validators=[DataRequired("Enter your email address.")],
        description="We send you a link to confirm your signature.",
    )
    country = SelectField("Country", choices=country_choices(), validate_choice=False)
    postal_code = StringField(
        "Postal code",
        filters=[clean_text],
        description="Needed in Canada, the United States and the EU to count you "
        "in your riding, district or country.",
    )
    updates = BooleanField("Send me occasional campaign updates by email (optional)")
    privacy = BooleanField(
        "I have read the privacy notice",
        validators=[InputRequired("Tick this box to show you have read the privacy notice.")],
    )
    # Honeypot: hidden from people, filled by naive bots; see views.campaigns.sign.
    website = StringField("Leave this field empty")

    def validate_email(self, field: Field) -> None:
        check_email(field)

    def validate_country(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Choose your country.")
        if field.data not in COUNTRY_CODES:
            raise ValidationError("Choose a country from the list.")

    def validate_postal_code(self, field: Field) -> None:
        country = self.country.data if self.country.data in COUNTRY_CODES else ""
        field.data = normalize_postal_code(country, field.data or "")
        if not field.data:
            if country in POSTAL_CODE_REQUIRED:
                raise ValidationError("Enter your postal code.")
            return
        if not is_valid_postal_code(country, field.data, allow_fsa=False):
            example = postal_code_example(country)
            hint = f" like {example}" if example else ""
            raise ValidationError(f"Enter a valid postal code{hint}.")


def lookup_country_choices() -> list[SelectChoice]:
    """Canada, the United States, then the EU member states by name."""
    eu = sorted(EU_MEMBER_STATES, key=_country_name)
    return [
        SelectChoice("", "Choose your country"),
        SelectChoice("CA", _country_name("CA")),
        SelectChoice("US", _country_name("US")),
        *(SelectChoice(c, _country_name(c), optgroup="European Union") for c in eu),
    ]


class LookupForm(Form):
    """Country and postal code, submitted by GET so results can be bookmarked."""

    class Meta:
        csrf = False  # a GET search changes nothing

    country = SelectField("Country", choices=lookup_country_choices(), validate_choice=False)
    postal_code = StringField("Postal code", filters=[clean_text])


class AddressLookupForm(LookupForm):
    """A split ZIP's street address, posted so that it never appears in a URL."""

    address = StringField(
        "Street address",
        filters=[clean_text],
        validators=[
            DataRequired("Enter your street address, like 350 5th Ave, New York."),
            Length(max=ADDRESS_MAX, message=f"Keep it under {ADDRESS_MAX} characters."),
        ],
    )


class ReportForm(Form):
    """Tell the organizers that something in the representative data is wrong."""

    country = StringField(filters=[clean_text], validators=[Length(max=2)])
    postal_code = StringField(filters=[clean_text], validators=[Length(max=16)])
    representative = StringField(filters=[clean_text], validators=[Length(max=64)])
    message = TextAreaField(
        "What is wrong?",
        filters=[clean_multiline],
        validators=[
            DataRequired("Tell us what is wrong."),
            Length(max=REPORT_MAX, message=f"Keep it under {REPORT_MAX} characters."),
        ],
        description="For example: this MP retired, this email bounces, my postal code is "
        "in another riding.",
    )
    email = EmailField(
        "Your email (optional)",
        filters=[clean_text],
        description="Only if you want an answer.",
    )

    def validate_email(self, field: Field) -> None:
        if field.data:
            check_email(field)


class LetterForm(Form):
    """The writer's details, the demands to include, and the editable letter."""

    name = StringField(
        "Your name",
        filters=[clean_text],
        validators=[DataRequired("Enter your name."), Length(max=NAME_MAX)],
    )
    email = EmailField("Your email (optional)", filters=[clean_text],
                       description="Added under your name so the office can answer.")  # fmt: skip
    address = TextAreaField(
        "Your street address (optional)",
        validators=[Length(max=300, message="Keep your address under 300 characters.")],
        description="Printed letters need it; offices reply by post.",
    )
    city = StringField("City or town", filters=[clean_text], validators=[Length(max=100)])
    postal_code = StringField("Postal code", filters=[clean_text], validators=[Length(max=16)])
    demands = SelectMultipleField(
        "Which demands to include",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    personal = TextAreaField(
        "A sentence of your own",
        validators=[Length(max=1000, message="Keep it under 1,000 characters.")],
        description="Why this matters to you. Offices give personal letters more weight "
        "than identical ones.",
    )
    lang = SelectField(
        "Language of the letter",
        description="Your own sentence and your details stay as you wrote them.",
    )
    subject = StringField("Subject", validators=[Length(max=200)])
    body = TextAreaField("Letter", validators=[Length(max=20000)])

    def validate_email(self, field: Field) -> None:
        if field.data:
            check_email(field)

    def validate_city(self, field: Field) -> None:
        if not field.data and not self.postal_code.data:
            raise ValidationError(
                "Enter your city or postal code: offices answer their own constituents."
            )

    def validate_demands(self, field: Field) -> None:
        allowed = {int(choice.value) for choice in field.choices or []}
        if not set(field.data or []) <= allowed:
            raise ValidationError("Choose demands from the list.")


class LoginForm(Form):
    """Organizer login."""

    email = EmailField(
        _l("Email"), filters=[clean_text], validators=[DataRequired(_l("Enter your email."))]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class PasswordForm(Form):
    """An organizer's new password, with the current one."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter it."))])
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password."))])
    repeat = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Type it again.")),
            EqualTo("new", _l("The two do not match.")),
        ],
    )


class ModerationForm(Form):
    """Which signatures to invalidate; at least one criterion."""

    email_domain = StringField(
        _l("Email domain"),
        filters=[clean_text],
        validators=[Length(max=253)],
        description=_l("e.g. mailinator.com"),
    )
    ip_hash = StringField(
        _l("Hashed IP address"), filters=[clean_text], validators=[Length(max=64)]
    )
    created_from = DateField(_l("Signed on or after"), validators=[Optional()])
    created_to = DateField(_l("Signed on or before"), validators=[Optional()])
    ids = StringField(_l("Signature ids"), filters=[clean_text], validators=[Length(max=20000)],
                      description=_l("Separated by commas or spaces."))  # fmt: skip

    def validate_ids(self, field: Field) -> None:
        parts = field.data.replace(",", " ").split() if field.data else []
        # isdigit() alone also takes "²" and other digits int() refuses.
        if not all(part.isascii() and part.isdigit() for part in parts):
            raise ValidationError(_("Give signature ids as numbers separated by commas."))
        if any(int(part) > MAX_ID for part in parts):
            raise ValidationError(
                _("No signature has an id above %(max)s.", max=format_number(MAX_ID))
            )
        field.data = " ".join(parts)


class ReleaseForm(Form):
    """Release held signatures: those from one hashed address, or all when it is empty."""

    ip_hash = HiddenField(filters=[clean_text], validators=[Length(max=64)])


class ConfirmForm(Form):
    """The single button that confirms or deletes; CSRF only."""


# What organizers can record of a representative's answer, in the order the form offers it.
POSITION_CHOICES = [
    SelectChoice("supports", _l("Supports the demands")),
    SelectChoice("partly", _l("Supports some of them")),
    SelectChoice("opposes", _l("Opposes them")),
    SelectChoice("no_reply", _l("Asked, no reply yet")),
]
QUOTE_MAX = 1000
SOURCE_URL_MAX = 500


class ResponseForm(Form):
    """A representative's answer to the campaign, as an organizer records it."""

    position = SelectField(_l("Position"), choices=POSITION_CHOICES)
    responded_on = DateField(_l("Date of the answer (or of the request)"), validators=[Optional()])
    quote = TextAreaField(
        _l("Short quote"),
        filters=[clean_text],
        validators=[Length(max=QUOTE_MAX, message=_l("Keep the quote under 1,000 characters."))],
    )
    source_url = StringField(
        _l("Source link"),
        filters=[clean_text],
        validators=[Length(max=SOURCE_URL_MAX)],
        description=_l("Where the answer can be read: a letter, a statement, a post (https://…)."),
    )

    def validate_source_url(self, field: Field) -> None:
        if field.data and not is_web_url(field.data):
            raise ValidationError(_("Give a web address starting with https:// or http://."))
