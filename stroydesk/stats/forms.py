"""Parsing of report parameters, shared by the REST API, the dashboard and the exports.

``?from=2021-01-01&to=2021-12-31`` is a custom period; ``?period=month&date=2021-03-15`` is the
month around that date (``date`` defaults to today). Filters are codes: ``channel=portal``,
``topic=gpzu`` (a section's code takes all its topics), ``authority=oati``,
``applicant_type=developer``. Every refusal says what is wrong with which parameter.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import Applicant
from stroydesk.cases.models import Request
from stroydesk.directory.models import Authority, Topic
from stroydesk.stats.periods import EARLIEST, KINDS, PeriodError, custom_period, period_of
from stroydesk.stats.selectors import GROUPS, Filters, ReportQuery
from stroydesk.workcalendar import selectors as workdays

MAX_YEARS = 10

PERIOD_CHOICES = [
    ("day", _("Day")),
    ("week", _("Week")),
    ("month", _("Month")),
    ("quarter", _("Quarter")),
    ("year", _("Year")),
    ("custom", _("Custom dates")),
]
GROUP_CHOICES = [
    ("", _("No breakdown")),
    ("day", _("By day")),
    ("week", _("By week")),
    ("month", _("By month")),
    ("quarter", _("By quarter")),
    ("year", _("By year")),
    ("channel", _("By channel")),
    ("section", _("By section")),
    ("topic", _("By topic")),
    ("authority", _("By authority")),
    ("applicant_type", _("By applicant type")),
]
assert [value for value, _label in GROUP_CHOICES[1:]] == list(GROUPS)
assert [value for value, _label in PERIOD_CHOICES] == list(KINDS)


def _today() -> date:
    return workdays.moscow_date(timezone.now())


class FiltersForm(forms.Form):
    """The filters every report takes; unknown codes are refused, not ignored."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Request.Channel.choices],
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    authority = forms.ChoiceField(label=_("Authority"), required=False)
    applicant_type = forms.ChoiceField(
        label=_("Applicant type"),
        required=False,
        choices=[("", _("All applicants")), *Applicant.Kind.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics = list(
            Topic.objects.select_related("parent").order_by("parent__position", "position")
        )
        self._topics = {t.code: t for t in topics}
        topic_field, authority_field = self.fields["topic"], self.fields["authority"]
        assert isinstance(topic_field, forms.ChoiceField)
        assert isinstance(authority_field, forms.ChoiceField)
        topic_field.choices = [("", _("All topics"))] + [
            (t.code, str(t)) for t in sorted(topics, key=lambda t: str(t))
        ]
        self._authorities = {a.code: a for a in Authority.objects.order_by("short_name")}
        authority_field.choices = [("", _("All authorities"))] + [
            (code, a.short_name) for code, a in self._authorities.items()
        ]
        for name in ("channel", "topic", "authority", "applicant_type"):
            self.fields[name].error_messages["invalid_choice"] = _("Unknown value «%(value)s».")

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # tie the message to the field for screen readers
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}_errors"}
                )

    def filters(self) -> tuple[Filters, tuple[tuple[str, str], ...]]:
        """The filters and their human wording (for the files), from cleaned data."""
        data = self.cleaned_data
        labels: list[tuple[str, str]] = []
        topic_ids: frozenset[int] = frozenset()
        if data.get("topic"):
            topic = self._topics[data["topic"]]
            children = [t.pk for t in self._topics.values() if t.parent_id == topic.pk]
            topic_ids = frozenset([topic.pk, *children])
            labels.append((str(_("Topic")), str(topic)))
        authority = self._authorities.get(data.get("authority") or "")
        if data.get("channel"):
            labels.insert(0, (str(_("Channel")), str(Request.Channel(data["channel"]).label)))
        if authority is not None:
            labels.append((str(_("Authority")), authority.short_name))
        if data.get("applicant_type"):
            kind = Applicant.Kind(data["applicant_type"]).label
            labels.append((str(_("Applicant type")), str(kind)))
        filters = Filters(
            channel=data.get("channel") or "",
            topic_ids=topic_ids,
            authority_id=authority.pk if authority is not None else None,
            applicant_kind=data.get("applicant_type") or "",
        )
        return filters, tuple(labels)


class ReportForm(FiltersForm):
    """A report's period, breakdown and filters."""

    period = forms.ChoiceField(label=_("Period"), required=False, choices=PERIOD_CHOICES)
    date = forms.DateField(
        label=_("Date in the period"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    group_by = forms.ChoiceField(label=_("Breakdown"), required=False, choices=GROUP_CHOICES)

    def __init__(self, *args: Any, default_period: str = "month", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_period = default_period
        # "from" is a Python keyword: these two fields are added by name.
        for name, label in (("from", _("From")), ("to", _("To"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
        self.fields["group_by"].error_messages["invalid_choice"] = _(
            "Unknown breakdown «%(value)s»: use one of day, week, month, quarter, year, channel, "
            "section, topic, authority, applicant_type."
        )
        self.fields["period"].error_messages["invalid_choice"] = _(
            "Unknown period «%(value)s»: use day, week, month, quarter, year or custom."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        kind = data.get("period") or ("custom" if start or end else self.default_period)
        today = _today()
        try:
            if kind == "custom":
                if start is None or end is None:
                    raise forms.ValidationError(
                        {"from": _("A custom period needs both dates: from and to.")}
                    )
                period = custom_period(start, end, today=today)
            else:
                day = data.get("date") or today
                if not EARLIEST <= day <= date(today.year + 1, 12, 31):
                    raise PeriodError(_("Choose a date between 2000 and next year."))
                period = period_of(kind, day)
        except PeriodError as exc:
            raise forms.ValidationError(
                {"from" if kind == "custom" else "date": str(exc)}
            ) from None
        if not self.errors:
            filters, labels = self.filters()
            data["query"] = ReportQuery(
                period=period,
                group_by=data.get("group_by") or "",
                filters=filters,
                filter_labels=labels,
            )
        return data


class YearlyForm(FiltersForm):
    """``years=2020,2021``: up to ten past or current years."""

    years = forms.CharField(label=_("Years"), help_text=_("Comma-separated, e.g. 2020,2021."))

    def clean_years(self) -> list[int]:
        raw = [part.strip() for part in self.cleaned_data["years"].split(",") if part.strip()]
        try:
            years = sorted({int(part) for part in raw})
        except ValueError:
            raise forms.ValidationError(_("Years are numbers, e.g. 2020,2021.")) from None
        if not years:
            raise forms.ValidationError(_("Name at least one year."))
        if len(years) > MAX_YEARS:
            raise forms.ValidationError(
                _("At most %(count)d years at once.") % {"count": MAX_YEARS}
            )
        this_year = _today().year
        wrong = [y for y in years if not EARLIEST.year <= y <= this_year]
        if wrong:
            raise forms.ValidationError(
                _("Years run from %(first)d to %(last)d; %(wrong)s is outside.")
                % {"first": EARLIEST.year, "last": this_year, "wrong": wrong[0]}
            )
        return years


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A form's errors as {field: [messages]} for the API's error shape."""
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}
