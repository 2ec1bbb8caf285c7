"""Forms of the public portal: signing in and up, asking, and the applicant's steps on a request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts import consents
from stroydesk.accounts.models import Applicant, ConsentText, User
from stroydesk.accounts.selectors import user_awaiting_confirmation
from stroydesk.accounts.services import user_password_reset_request
from stroydesk.accounts.validators import normalize_phone, validate_inn, validate_ogrn
from stroydesk.cases.attachments import ALLOWED_TYPES, CheckedFile, check_attachments
from stroydesk.cases.models import CADASTRAL_NUMBER, QUESTION_MAX_LENGTH
from stroydesk.directory.models import Topic
from stroydesk.directory.selectors import topic_list, topic_tree
from stroydesk.portal import labels


class CardForm(forms.Form):
    """A form of a page that shows several forms: its own prefix for element ids."""

    auto_id = "id_%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", self.auto_id)
        super().__init__(*args, **kwargs)


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, but the letter is asked of accounts and sent by a job of
    notifications, through the one outbound path (the page answers in the same time whether or
    not an account has the address)."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        user_password_reset_request(email=self.cleaned_data["email"])


def text_step_form(
    name: str,
    *,
    field: str,
    auto_id: str,
    label: Any,
    max_length: int = 5000,
    rows: int = 3,
    help_text: Any = "",
) -> type[CardForm]:
    """The form of a card's step that takes one text: an answer, a reason, a question, a note
    (``field`` is the name the step's service reads)."""
    text = forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )
    return type(name, (CardForm,), {"auto_id": auto_id, field: text, "__module__": __name__})


class LoginForm(AuthenticationForm):
    """Sign in with the e-mail (applicants) or the login (staff)."""

    username = forms.CharField(
        label=_("E-mail or login"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "unconfirmed": _(
            "Your e-mail is not confirmed yet. Follow the link in the letter we sent when you "
            "signed up, or ask for a new one below."
        ),
    }

    # The address to offer a new confirmation link to, when that is why the sign-in failed.
    unconfirmed_email = ""

    def clean_username(self) -> str:
        value = self.cleaned_data["username"].strip()
        return value.lower() if "@" in value else value

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError as exc:
            if exc.code != "invalid_login":
                raise
            # The backend refuses an unconfirmed account like a wrong password; with the right
            # password the person is told why instead.
            waiting = user_awaiting_confirmation(
                username=self.cleaned_data["username"], password=self.cleaned_data["password"]
            )
            if waiting is None:
                raise
            self.unconfirmed_email = waiting.email
            raise ValidationError(self.error_messages["unconfirmed"], code="unconfirmed") from None


class ConsentMixin(forms.Form):
    """A required tick to the current wording of a consent, shown in full under it; the version
    shown travels with the form, so that what is recorded is what the person read."""

    consent_purpose = ConsentText.Purpose.ACCOUNT

    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data on these terms"),
        error_messages={"required": _("Without this consent we cannot take your data.")},
    )
    consent_version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version, text = consents.WORDINGS[self.consent_purpose][-1]
        self.fields["consent"].help_text = text
        self.fields["consent_version"].initial = version

    def clean_consent_version(self) -> str:
        known = [v for v, _text in consents.WORDINGS[self.consent_purpose]]
        version = self.cleaned_data["consent_version"] or known[-1]
        if version not in known:
            raise ValidationError(_("The consent text has changed: read it again."))
        return version


class SignUpForm(ConsentMixin, forms.Form):
    """A new applicant account: a resident, or a developer organisation with ИНН and ОГРН."""

    kind = forms.ChoiceField(
        label=_("I am"),
        choices=list(labels.KIND.items()),
        initial=Applicant.Kind.RESIDENT,
        widget=forms.RadioSelect,
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("You sign in with it; answers come to it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        help_text=_("Optional, e.g. +7 495 123-45-67."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    organisation_name = forms.CharField(
        label=_("Organisation"),
        required=False,
        max_length=500,
        help_text=_("For a developer organisation: its full name."),
    )
    inn = forms.CharField(
        label=_("ИНН"),
        required=False,
        max_length=12,
        help_text=_("10 digits for an organisation, 12 for an entrepreneur."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    ogrn = forms.CharField(
        label=_("ОГРН"),
        required=False,
        max_length=15,
        help_text=_("13 digits (ОГРНИП: 15)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(username__iexact=email).exists():
            raise ValidationError(_("An account with this e-mail exists already. Sign in."))
        return email

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        try:
            return normalize_phone(phone)
        except ValidationError:
            raise ValidationError(_("A Russian phone number has 10 digits after +7.")) from None

    def clean_inn(self) -> str:
        inn = self.cleaned_data["inn"].strip()
        if inn:
            try:
                validate_inn(inn)
            except ValidationError:
                raise ValidationError(
                    _("ИНН must be 10 or 12 digits with correct check digits.")
                ) from None
        return inn

    def clean_ogrn(self) -> str:
        ogrn = self.cleaned_data["ogrn"].strip()
        if ogrn:
            try:
                validate_ogrn(ogrn)
            except ValidationError:
                raise ValidationError(
                    _("ОГРН must be 13 digits (ОГРНИП 15) with a correct check digit.")
                ) from None
        return ogrn

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == Applicant.Kind.DEVELOPER:
            for name in ("organisation_name", "inn", "ogrn"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Required for a developer organisation."))
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(
                username=data.get("email", ""),
                email=data.get("email", ""),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once, each checked by type (content, not only name) and size."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ",".join(sorted(ALLOWED_TYPES))

    def clean(self, data: Any, initial: Any = None) -> list[CheckedFile]:
        files: list[UploadedFile] = [f for f in (data or []) if f] if isinstance(data, list) else []
        if data and not isinstance(data, list):
            files = [data]
        try:
            return check_attachments([(f.name or "file", f.size or 0, f) for f in files])
        except ValidationError as exc:
            raise ValidationError(attachment_error(exc, files)) from None


def attachment_error(exc: ValidationError, files: list[UploadedFile]) -> str:
    """The attachment check's refusal, in the user's language."""
    code = getattr(exc, "code", "") or ""
    text = exc.messages[0] if exc.messages else ""
    name = next((f.name for f in files if f.name and f"«{f.name}»" in text), "")
    limits = {
        "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
        "count": settings.ATTACHMENT_MAX_COUNT,
        "name": name,
        "allowed": ", ".join(sorted(ALLOWED_TYPES)),
    }
    if code == "too_large":
        return str(_("«%(name)s» is too large: the limit is %(limit)s per file.") % limits)
    if code == "empty":
        return str(_("«%(name)s» is empty.") % limits)
    if code == "too_many":
        return str(_("At most %(count)s files per request.") % limits)
    return str(
        _("«%(name)s»: files of this type are not accepted (allowed: %(allowed)s).") % limits
    )


def topic_choices() -> list[tuple[Any, Any]]:
    """Topics grouped by their sections, for a select with optgroups."""
    choices: list[tuple[Any, Any]] = [("", _("— I don't know —"))]
    for section in topic_tree():
        children = [(t.pk, t.name) for t in section.children.all() if t.is_active]
        choices.append((section.name, children) if children else (section.pk, section.name))
    return choices


def counted(field: forms.Field) -> None:
    """A text box with a live count of characters against its limit (portal.js) and no
    ``maxlength``: the browser cut a long paste to the limit without a word; the form's own
    check now says how long the text is."""
    attrs = field.widget.attrs
    limit = attrs.pop("maxlength", None)
    if limit is not None:
        attrs["data-max-length"] = limit
        attrs["data-counter"] = _("%(count)s of %(max)s characters")
        attrs["data-counter-over"] = _("%(count)s of %(max)s characters: shorten the text.")


class AskForm(ConsentMixin, forms.Form):
    """The applicant's question: topic, subject, text, where, and files."""

    consent_purpose = ConsentText.Purpose.REQUEST

    topic = forms.TypedChoiceField(
        label=_("Subject area"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("If you are not sure, leave it: the operator will choose."),
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=300,
        help_text=_("In a few words, e.g. «Permit for a private house»."),
    )
    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Describe the situation: what you want to do or what happened."),
    )
    address = forms.CharField(
        label=_("Address of the building or site"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    cadastral_number = forms.CharField(
        label=_("Cadastral number"),
        required=False,
        max_length=40,
        help_text=_("If you know it, e.g. 77:01:0001001:1234."),
    )
    attachments = AttachmentsField(
        label=_("Files"),
        help_text=_("PDF, images, office documents; up to 10 files."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = topic_choices()  # type: ignore[attr-defined]
        counted(self.fields["text"])

    def clean_cadastral_number(self) -> str:
        value = self.cleaned_data["cadastral_number"].strip()
        if value:
            try:
                CADASTRAL_NUMBER(value)
            except ValidationError:
                raise ValidationError(
                    _("A cadastral number looks like 77:01:0001001:1234.")
                ) from None
        return value

    def clean_topic(self) -> Topic | None:
        pk = self.cleaned_data["topic"]
        if pk is None:
            return None
        # Unknown ids only: whether a topic is still in use is the registration's rule.
        topic = topic_list(active_only=False).filter(pk=pk).first()
        if topic is None:
            raise ValidationError(_("This topic is no longer in use."))
        return topic


class AddInformationForm(CardForm):
    """What the applicant adds to their request: a text and files. While the request waits for
    them, it is their answer to the operator's question."""

    auto_id = "add_%s"

    text = forms.CharField(
        label=_("What you want to add"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("E.g. the exact address, a permit number, or what has changed since."),
    )
    attachments = AttachmentsField(
        label=_("Files"),
        help_text=_("PDF, images, office documents; up to 10 files."),
    )

    def __init__(self, *args: Any, clarification: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if clarification:
            self.fields["text"].label = _("Your answer to the question")
            self.fields["text"].help_text = ""


ReopenForm = text_step_form(
    "ReopenForm",
    field="reason",
    auto_id="reopen_%s",
    label=_("What is missing in the answer"),
    rows=4,
)


class RateForm(CardForm):
    auto_id = "rate_%s"

    score = forms.TypedChoiceField(
        label=_("How well were you answered?"),
        coerce=int,
        choices=[
            (5, _("5 — fully")),
            (4, _("4 — well")),
            (3, _("3 — partly")),
            (2, _("2 — poorly")),
            (1, _("1 — not at all")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ResendConfirmationForm(forms.Form):
    """Ask for a new link that confirms the e-mail of an account made at sign-up."""

    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The address you signed up with."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Request number"),
        max_length=32,
        help_text=_("As in the confirmation, e.g. ЕКЦ-2025-000123."),
    )
    email = forms.EmailField(label=_("E-mail given in the request"))


class TrackCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from the e-mail"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
