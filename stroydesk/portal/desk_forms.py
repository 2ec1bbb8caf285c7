"""Forms of the staff workspaces: the queue's filters, the request card's steps, phone intake, and
the specialist's answer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stroydesk.accounts.models import User
from stroydesk.accounts.validators import normalize_phone
from stroydesk.cases.models import AnswerTemplate, Request
from stroydesk.cases.selectors import assignee_list
from stroydesk.directory.models import Authority
from stroydesk.directory.selectors import authority_list, topic_list
from stroydesk.portal.forms import CardForm, text_step_form, topic_choices
from stroydesk.portal.selectors import QUEUE_SORTS, QUEUE_VIEWS, applicants_matching
from stroydesk.workcalendar import selectors as workdays


class QueueForm(forms.Form):
    """The queue's saved view, order, search and page; anything unknown falls back to defaults."""

    view = forms.ChoiceField(choices=[(v, v) for v in QUEUE_VIEWS], required=False)
    sort = forms.ChoiceField(
        label=pgettext_lazy("portal", "Order"),
        required=False,
        choices=[("new", _("Newest first")), ("old", _("Oldest first")), ("due", _("Due first"))],
    )
    q = forms.CharField(
        label=_("Search by number, words or applicant"), required=False, max_length=100
    )
    cursor = forms.CharField(required=False, max_length=200)

    def params(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        view = data.get("view") or "open"
        sort = data.get("sort") or "new"
        return {
            "view": view if view in QUEUE_VIEWS else "open",
            "sort": sort if sort in QUEUE_SORTS else "new",
            "q": data.get("q", ""),
            "cursor": data.get("cursor", ""),
        }


class BulkTakeForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("Requests"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any number may be posted; visibility is checked request by request.
        values = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in values]  # type: ignore[attr-defined]


def assignee_label(user: User) -> str:
    """How an operator is named in an "Assign to" list: the login tells namesakes apart."""
    name = user.display_name
    return name if name == user.username else f"{name} ({user.username})"


def assignee_choices() -> list[tuple[int, str]]:
    """The operators a request can be assigned to, read once for a page of many small forms."""
    return [(user.pk, assignee_label(user)) for user in assignee_list()]


class AssigneeField(forms.ModelChoiceField):
    """The operator to put in charge; the rule of who may be is the service's, the list only
    offers those it accepts."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Assign to"))
        super().__init__(queryset=assignee_list(), empty_label=_("— choose —"), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return assignee_label(obj)


class BulkAssignForm(BulkTakeForm):
    """The ticked requests and the operator they all go to.

    The choice is optional to the browser: the same form's other button takes the ticked
    requests, which needs no operator; assigning refuses an empty one itself.
    """

    operator = AssigneeField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)

    def clean_operator(self) -> User:
        operator: User | None = self.cleaned_data.get("operator")
        if operator is None:
            raise ValidationError(_("Choose the operator."))
        return operator


class AssignForm(CardForm):
    auto_id = "assign_%s"

    operator = AssigneeField()


PLACEHOLDER = re.compile(r"\{(applicant_name|number|due_date)\}")


def render_template_text(template: AnswerTemplate, request: Request, *, now: datetime) -> str:
    """An answer template with its placeholders filled for this request; others stay as typed."""
    due = request.due_at or workdays.answer_due(now)
    values = {
        "applicant_name": request.applicant.full_name,
        "number": request.number,
        "due_date": workdays.moscow_date(due).strftime("%d.%m.%Y"),
    }
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template.text)


def answer_templates_for(request: Request) -> list[AnswerTemplate]:
    """Active templates of the request's topic (or its section) first, then the general ones."""
    templates = list(AnswerTemplate.objects.filter(is_active=True).order_by("title"))
    own = {request.topic_id, getattr(request.topic, "parent_id", None)} - {None}
    return sorted(templates, key=lambda t: (t.topic_id not in own, t.topic_id is not None, t.title))


AnswerForm = text_step_form(
    "AnswerForm",
    field="text",
    auto_id="answer_%s",
    label=_("Answer to the applicant"),
    max_length=20000,
    rows=10,
    help_text=_("The applicant reads exactly this text."),
)


class EscalateForm(CardForm):
    auto_id = "escalate_%s"

    authority = forms.ModelChoiceField(
        label=_("Authority"), queryset=Authority.objects.none(), empty_label=None
    )
    question = forms.CharField(
        label=_("Question to the authority"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What exactly the authority should answer."),
    )

    def __init__(self, *args: Any, competent: list[Authority] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        field.queryset = authority_list()  # type: ignore[attr-defined]
        if competent:
            field.initial = competent[0].pk
            first = {a.pk for a in competent}
            field.label_from_instance = lambda a: (  # type: ignore[attr-defined]
                f"{a.short_name} ★" if a.pk in first else a.short_name
            )


class ReassignForm(CardForm):
    auto_id = "reassign_%s"

    authority = forms.ModelChoiceField(label=_("New authority"), queryset=Authority.objects.none())
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authority_list()  # type: ignore[attr-defined]


NoteForm = text_step_form(
    "NoteForm",
    field="text",
    auto_id="note_%s",
    label=_("Internal note"),
    help_text=_("Seen by staff only, never by the applicant."),
)


AskClarificationForm = text_step_form(
    "AskClarificationForm",
    field="question",
    auto_id="ask_%s",
    label=_("What should the applicant clarify"),
)


SendBackForm = text_step_form(
    "SendBackForm",
    field="comment",
    auto_id="back_%s",
    label=_("What the authority's answer lacks"),
)


AuthorityQueryReplyForm = text_step_form(
    "AuthorityQueryReplyForm",
    field="text",
    auto_id="query_reply_%s",
    label=_("Your reply to the authority"),
    rows=4,
    help_text=_("Read by the authority's specialists only, never by the applicant."),
)


ReopenForm = text_step_form(
    "ReopenForm",
    field="reason",
    auto_id="reopen_%s",
    label=_("Why the request is reopened"),
)


class TopicForm(CardForm):
    auto_id = "topic_%s"

    topic = forms.TypedChoiceField(label=_("Subject area"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = topic_choices()[1:]  # type: ignore[attr-defined]


class PhoneIntakeForm(forms.Form):
    """A caller's request in under half a minute: who, when, what."""

    phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("Caller's e-mail"), required=False)
    full_name = forms.CharField(
        label=_("Caller's name"),
        required=False,
        max_length=300,
        help_text=_("Not needed for a known caller (found by phone or e-mail)."),
    )
    registered_at = forms.DateTimeField(
        label=_("Time of the call"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
    )
    topic = forms.TypedChoiceField(
        label=_("Subject area"), required=False, coerce=int, empty_value=None
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    text = forms.CharField(
        label=_("The caller's question"), max_length=10000, widget=forms.Textarea(attrs={"rows": 5})
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = topic_choices()  # type: ignore[attr-defined]
        lookup = {
            "hx-get": reverse("portal:phone_lookup"),
            "hx-trigger": "keyup changed delay:300ms, change",
            "hx-target": "#known-callers",
            "hx-include": "#id_phone,#id_email",
        }
        self.fields["phone"].widget.attrs.update(lookup)
        self.fields["email"].widget.attrs.update(lookup)
        if not self.is_bound:
            self.initial["registered_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean_phone(self) -> str:
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError:
            raise ValidationError(_("A Russian phone number has 10 digits after +7.")) from None

    def clean_registered_at(self) -> datetime:
        value: datetime = self.cleaned_data["registered_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise ValidationError(_("The call cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        known = applicants_matching(phone=data.get("phone", ""), email=data.get("email", ""))
        if not known and not data.get("full_name", "").strip() and "phone" in data:
            self.add_error("full_name", _("A new caller: write their name."))
        topic_id = data.get("topic")
        if topic_id is not None:
            # The registration refuses a topic no longer in use.
            data["topic"] = topic_list(active_only=False).filter(pk=topic_id).first()
        return data


AuthorityAnswerForm = text_step_form(
    "AuthorityAnswerForm",
    field="text",
    auto_id="answer_%s",
    label=_("Answer of the authority"),
    max_length=20000,
    rows=10,
    help_text=_("The contact center reviews it and sends it to the applicant."),
)


DeclineForm = text_step_form(
    "DeclineForm",
    field="reason",
    auto_id="decline_%s",
    label=_("Why this is not your authority's competence"),
)


AuthorityQueryForm = text_step_form(
    "AuthorityQueryForm",
    field="question",
    auto_id="query_%s",
    label=_("Question to the contact center"),
    help_text=_(
        "E.g. which building is meant, or the applicant's permit number. "
        "The answer stays due on the same date."
    ),
)


class AuditForm(forms.Form):
    actor = forms.CharField(label=_("Staff login"), required=False, max_length=150)
    applicant = forms.IntegerField(label=_("Applicant ID"), required=False, min_value=1)
    cursor = forms.CharField(required=False, max_length=200)
