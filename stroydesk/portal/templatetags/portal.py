"""Template helpers of the portal: role-aware navigation, accessible form fields, due colours."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from django import template
from django.forms import BoundField
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import User
from stroydesk.consultations.urls import NAV_ITEMS as CONSULTATION_NAV
from stroydesk.portal import labels
from stroydesk.relocation import selectors as relocation_selectors
from stroydesk.workcalendar import selectors as workdays

register = template.Library()

R = User.Role

# (url name, label, roles that see it); links of apps that are not there yet are left out.
NAV_ITEMS: list[tuple[str, Any, frozenset[str]]] = [
    ("portal:ask", _("Ask a question"), frozenset({R.APPLICANT})),
    ("portal:my_requests", _("My requests"), frozenset({R.APPLICANT})),
    ("portal:queue", _("Queue"), frozenset({R.OPERATOR, R.SUPERVISOR, R.ADMIN})),
    ("portal:phone_intake", _("Phone call"), frozenset({R.OPERATOR, R.SUPERVISOR, R.ADMIN})),
    ("portal:authority_inbox", _("Escalations"), frozenset({R.SPECIALIST})),
    ("portal:board", _("Deadlines"), frozenset({R.SUPERVISOR, R.ADMIN})),
    ("portal:workload", _("Workload"), frozenset({R.SUPERVISOR, R.ADMIN})),
    ("portal:audit", _("Data access log"), frozenset({R.SUPERVISOR, R.ADMIN})),
    ("kb:index", _("Knowledge base"), frozenset(R.values)),
    ("procedures:calculator", _("Procedures calculator"), frozenset({R.APPLICANT})),
    ("stats:dashboard", _("Statistics"), frozenset({R.SUPERVISOR, R.ADMIN})),
    ("relocation:home", _("Moving help"), frozenset({R.APPLICANT})),
    # Supervisors reach the dispatch pages and the experts' agenda from the statistics page; the
    # header keeps to one row at 1366 px.
    ("relocation:plan", _("Moves"), frozenset({R.OPERATOR})),
    *CONSULTATION_NAV,
]
# Links shown only when the user also passes the app's own check (a profile, not a role).
NAV_CHECKS: dict[str, Any] = {"relocation:plan": relocation_selectors.may_dispatch}


@register.inclusion_tag("portal/partials/nav.html", takes_context=True)
def portal_nav(context: template.Context) -> dict[str, Any]:
    """The menu for the signed-in user's role, the current page marked for screen readers."""
    request = context.get("request")
    user = getattr(request, "user", None)
    items = []
    if request is not None and user is not None and user.is_authenticated:
        for name, label, roles in NAV_ITEMS:
            if user.role not in roles:
                continue
            if name in NAV_CHECKS and not NAV_CHECKS[name](user):
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            current = request.path == url or (url != "/" and request.path.startswith(url))
            items.append({"url": url, "label": label, "current": current})
    elif request is not None:
        # Everyone may read the public articles: the first place to look before asking.
        url = reverse("kb:index")
        current = request.path.startswith(url)
        items.append({"url": url, "label": _("Knowledge base"), "current": current})
    return {"items": items, "user": user, "request": request}


@register.inclusion_tag("portal/partials/field.html")
def field(bound: BoundField, **attrs: Any) -> dict[str, Any]:
    """A labelled field with its help and its errors next to it, tied by aria-describedby."""
    described = []
    if bound.help_text:
        described.append(f"{bound.auto_id}_help")
    if bound.errors:
        described.append(f"{bound.auto_id}_errors")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return {"field": bound, "widget": bound.as_widget(attrs=attrs)}


def working_days_left(due_at: datetime | None, now: datetime | None = None) -> int | None:
    """Working days left before the due moment: 0 when due today, negative when overdue."""
    if due_at is None:
        return None
    now = now or timezone.now()
    today = workdays.moscow_date(now)
    due_day = workdays.moscow_date(due_at)
    if due_at < now:
        return -1
    if due_day <= today:
        return 0
    return workdays.working_days_between(today, due_day) - (
        1 if workdays.is_working_day(today) else 0
    )


@register.filter
def due_class(due_at: datetime | None) -> str:
    """A CSS class for the time left: overdue, today, soon (1 working day), ok."""
    return due_class_of(working_days_left(due_at))


def due_class_of(left: int | None) -> str:
    if left is None:
        return ""
    if left < 0:
        return "due-overdue"
    if left == 0:
        return "due-today"
    if left == 1:
        return "due-soon"
    return "due-ok"


@register.filter
def due_label(due_at: datetime | None) -> str:
    """The time left in words, so that the colour is never the only signal."""
    return due_words(working_days_left(due_at))


def due_words(left: int | None) -> str:
    if left is None:
        return ""
    if left < 0:
        return str(_("overdue"))
    if left == 0:
        return str(_("due today"))
    return ngettext("%(count)d working day left", "%(count)d working days left", left) % {
        "count": left
    }


# A filter per table of labels: ``{{ code|status_label }}`` says the code in the user's language
# (an unknown code is shown as it is).
LABEL_FILTERS = {
    "status_label": labels.STATUS,
    "applicant_status": labels.STATUS_FOR_APPLICANT,
    "channel_label": labels.CHANNEL,
    "action_label": labels.ACTION,
    "role_label": labels.ROLE,
    "kind_label": labels.KIND,
    "escalation_status": labels.ESCALATION_STATUS,
    "view_label": labels.QUEUE_VIEW,
}


def label_of(table: dict[str, Any], code: str) -> str:
    return str(table.get(code, code))


for _name, _table in LABEL_FILTERS.items():
    register.filter(_name, partial(label_of, _table))


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "") if mapping else ""


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters changed (empty value: removed)."""
    request = context["request"]
    params = request.GET.copy()
    for key, value in changes.items():
        if value in ("", None):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag
def due_badge(due_at: datetime | None, fmt: str = "d.m.Y") -> str:
    """The due date with its colour and the time left in words, computed once."""
    if due_at is None:
        return ""
    left = working_days_left(due_at)
    css = due_class_of(left)
    text = f"{date_format(timezone.localtime(due_at), fmt)} · {due_words(left)}"
    return format_html('<span class="due {}">{}</span>', css, text)


@register.filter
def phone(value: str) -> str:
    """+74951112233 as people read it: +7 495 111-22-33 (other spellings as they are)."""
    digits = value[2:] if value.startswith("+7") else ""
    if len(digits) != 10 or not digits.isdigit():
        return value
    return f"+7 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}"


@register.simple_tag
def url_prefix(name: str) -> str:
    """The path of a "<name>/<pk>/" URL without its pk: long lists build links without reversing
    each row (the queue's hottest cost after the database)."""
    return reverse(name, args=[0])[: -len("0/")]


@register.simple_tag
def queue_row(case: Any, card_prefix: str) -> str:
    """One row of the operator's queue, built in Python: fifty of them are the bulk of the page,
    and the template engine took four times as long for the same HTML."""
    status = case.status
    tick = ""
    if status != "closed":  # open ones can be taken or assigned, answered ones assigned
        label = gettext("Tick %(number)s") % {"number": case.number}
        tick = format_html(
            '<input type="checkbox" name="ids" value="{}" class="row-check" aria-label="{}">',
            case.pk,
            label,
        )
    topic = (
        case.topic.name
        if case.topic_id
        else format_html('<span class="muted">{}</span>', gettext("not set"))
    )
    due = ""
    if case.due_at is not None:
        due = (
            due_badge(case.due_at)
            if status == "escalated"
            else date_format(timezone.localtime(case.due_at), "d.m.Y")
        )
    news = ""
    if getattr(case, "applicant_wrote_last", False):  # annotated by selectors.queue_queryset
        news = format_html(' <span class="tag">{}</span>', gettext("new from the applicant"))
    return format_html(
        '<tr><td>{}</td><td class="nowrap"><a href="{}{}/">{}</a></td><td class="subject">{}{}</td>'
        '<td>{}</td><td>{}</td><td><span class="status status-{}">{}</span></td>'
        "<td>{}</td><td>{}</td><td>{}</td></tr>",
        tick,
        card_prefix,
        case.pk,
        case.number,
        case.subject,
        news,
        topic,
        label_of(labels.CHANNEL, case.channel),
        status,
        label_of(labels.STATUS, status),
        case.operator.display_name if case.operator_id else "—",
        date_format(timezone.localtime(case.registered_at), "d.m.Y H:i"),
        due,
    )
