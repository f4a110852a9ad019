"""Flask-WTF forms: shape checks and normalisation only, never database queries."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pycountry
from email_validator import EmailNotValidError, validate_email
from flask import current_app, request
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

from petition.i18n import Count, country_names, page_language, sort_key
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
COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=16)
def country_order(lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Country codes as the sign form lists them in a language: Canada, the United States
    and the EU 27 by name, then every other country by name (sorted once per language)."""
    names = country_names(lang)

    def by_name(code: str) -> str:
        return sort_key(names.get(code, code))

    eu = tuple(sorted(EU_MEMBER_STATES, key=by_name))
    rest = tuple(sorted((c for c in COUNTRY_CODES if c not in EU_MEMBER_STATES | {"CA", "US"}),
                        key=by_name))  # fmt: skip
    return eu, rest


def country_choices() -> list[SelectChoice]:
    """Canada, the United States and the EU 27 first, then every other country, named
    in the page's language."""
    lang = page_language()
    names, (eu, rest) = country_names(lang), country_order(lang)
    first_group, other_group = _("Canada, United States, European Union"), _("Other countries")
    return [
        SelectChoice("", _("Choose your country")),
        *(SelectChoice(c, names.get(c, c), optgroup=first_group) for c in ("CA", "US", *eu)),
        *(SelectChoice(c, names.get(c, c), optgroup=other_group) for c in rest),
    ]


def _under(limit: int) -> Any:
    """The message of a field longer than `limit` characters, in the page's language."""
    return _l("Keep it under %(max)s characters.", max=Count(limit))


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
        raise ValidationError(_("This email address is too long."))
    try:
        result = validate_email(
            field.data,
            check_deliverability=current_app.config["EMAIL_CHECK_DELIVERABILITY"],
        )
    except EmailNotValidError as exc:
        # Translators: %(reason)s is email-validator's explanation, in English; a
        # translation may leave it out.
        raise ValidationError(_("Enter a valid email address: %(reason)s", reason=exc)) from exc
    field.data = result.normalized


def name_field() -> StringField:
    """The signer's or writer's name, required."""
    return StringField(
        _l("Your name"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=NAME_MAX, message=_l("Keep your name under %(max)s characters.",
                                            max=Count(NAME_MAX))),
        ],
    )  # fmt: skip


class SignForm(Form):
    """The sign form; no CSRF token: posts from other sites are refused by the browser's
    own headers instead (petition/origin.py), so the home page is the same for all."""

    class Meta:
        csrf = False

    name = name_field()
    email = EmailField(
        _l("Email address"),
        filters=[clean_text],
        validators=[DataRequired(_l("Enter your email address."))],
        description=_l("We send you a link to confirm your signature."),
    )
    country = SelectField(_l("Country"), choices=country_choices, validate_choice=False)
    postal_code = StringField(
        _l("Postal code"),
        filters=[clean_text],
        description=_l(
            "Needed in Canada, the United States and the EU to count you "
            "in your riding, district or country."
        ),
    )
    updates = BooleanField(_l("Send me occasional campaign updates by email (optional)"))
    # Shown only when the campaign file allows names in delivery packs ([packs] names).
    name_consent = BooleanField(
        _l("Include my name in the letters we deliver to my representatives (optional)"),
        description=_l(
            "Only the organizers and the representatives elected where you live see it; "
            "it is never published. You can withdraw it at any time from the link in our emails."
        ),
    )
    privacy = BooleanField(
        _l("I have read the privacy notice"),
        validators=[InputRequired(_l("Tick this box to show you have read the privacy notice."))],
    )
    # Honeypot: hidden from people, filled by naive bots; see views.campaigns.sign.
    website = StringField(_l("Leave this field empty"))

    def validate_email(self, field: Field) -> None:
        check_email(field)

    def validate_country(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_("Choose your country."))
        if field.data not in COUNTRY_CODES:
            raise ValidationError(_("Choose a country from the list."))

    def validate_postal_code(self, field: Field) -> None:
        country = self.country.data if self.country.data in COUNTRY_CODES else ""
        field.data = normalize_postal_code(country, field.data or "")
        if not field.data:
            if country in POSTAL_CODE_REQUIRED:
                raise ValidationError(_("Enter your postal code."))
            return
        if not is_valid_postal_code(country, field.data, allow_fsa=False):
            example = postal_code_example(country)
            if example:
                raise ValidationError(_("Enter a valid postal code like %(example)s.",
                                        example=example))  # fmt: skip
            raise ValidationError(_("Enter a valid postal code."))


def lookup_country_choices() -> list[SelectChoice]:
    """Canada, the United States, then the EU member states by name (the page's language)."""
    lang = page_language()
    names, (eu, _rest) = country_names(lang), country_order(lang)
    union = _("European Union")
    return [
        SelectChoice("", _("Choose your country")),
        SelectChoice("CA", names["CA"]),
        SelectChoice("US", names["US"]),
        *(SelectChoice(c, names.get(c, c), optgroup=union) for c in eu),
    ]


class LookupForm(Form):
    """Country and postal code, submitted by GET so results can be bookmarked."""

    class Meta:
        csrf = False  # a GET search changes nothing

    country = SelectField(_l("Country"), choices=lookup_country_choices, validate_choice=False)
    postal_code = StringField(_l("Postal code"), filters=[clean_text])


class AddressLookupForm(LookupForm):
    """A split ZIP's street address, posted so that it never appears in a URL."""

    address = StringField(
        _l("Street address"),
        filters=[clean_text],
        validators=[
            DataRequired(_l("Enter your street address, like 350 5th Ave, New York.")),
            Length(max=ADDRESS_MAX, message=_under(ADDRESS_MAX)),
        ],
    )


class ReportForm(Form):
    """Tell the organizers that something in the representative data is wrong."""

    country = StringField(filters=[clean_text], validators=[Length(max=2)])
    postal_code = StringField(filters=[clean_text], validators=[Length(max=16)])
    representative = StringField(filters=[clean_text], validators=[Length(max=64)])
    message = TextAreaField(
        _l("What is wrong?"),
        filters=[clean_multiline],
        validators=[
            DataRequired(_l("Tell us what is wrong.")),
            Length(max=REPORT_MAX, message=_under(REPORT_MAX)),
        ],
        description=_l(
            "For example: this MP retired, this email bounces, my postal code is in another riding."
        ),
    )
    email = EmailField(
        _l("Your email (optional)"),
        filters=[clean_text],
        description=_l("Only if you want an answer."),
    )

    def validate_email(self, field: Field) -> None:
        if field.data:
            check_email(field)


class DemandsField(SelectMultipleField):  # type: ignore[misc]  # wtforms' hints are partial
    """Demand numbers; anything else is refused in our own words (WTForms' own message has
    no Armenian)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_("Choose demands from the list.")) from exc


class LetterForm(Form):
    """The writer's details, the demands to include, and the editable letter."""

    name = name_field()
    email = EmailField(
        _l("Your email (optional)"),
        filters=[clean_text],
        description=_l("Added under your name so the office can answer."),
    )
    address = TextAreaField(
        _l("Your street address (optional)"),
        validators=[
            Length(
                max=300, message=_l("Keep your address under %(max)s characters.", max=Count(300))
            )
        ],
        description=_l("Printed letters need it; offices reply by post."),
    )
    city = StringField(
        _l("City or town"),
        filters=[clean_text],
        validators=[Length(max=100, message=_under(100))],
    )
    postal_code = StringField(
        _l("Postal code"),
        filters=[clean_text],
        validators=[Length(max=16, message=_under(16))],
    )
    demands = DemandsField(
        _l("Which demands to include"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    personal = TextAreaField(
        _l("A sentence of your own"),
        validators=[Length(max=1000, message=_under(1000))],
        description=_l(
            "Why this matters to you. Offices give personal letters more weight "
            "than identical ones."
        ),
    )
    lang = SelectField(
        _l("Language of the letter"),
        description=_l("Your own sentence and your details stay as you wrote them."),
    )
    subject = StringField(_l("Subject"), validators=[Length(max=200, message=_under(200))])
    body = TextAreaField(_l("Letter"), validators=[Length(max=20000, message=_under(20000))])

    def validate_email(self, field: Field) -> None:
        if field.data:
            check_email(field)

    def validate_city(self, field: Field) -> None:
        if not field.data and not self.postal_code.data:
            raise ValidationError(
                _("Enter your city or postal code: offices answer their own constituents.")
            )

    def validate_demands(self, field: Field) -> None:
        allowed = {int(choice.value) for choice in field.choices or []}
        if not set(field.data or []) <= allowed:
            raise ValidationError(_("Choose demands from the list."))


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
            raise ValidationError(_("No signature has an id above %(max)s.", max=Count(MAX_ID)))
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
