"""The same tallies as the rollups, counted straight from the cases tables (read-only).

The reference the rollups are tested against, and the "raw" side of benchmarks/stats.py. It
shares nothing with the fact derivation in ``stats.services``: here every figure is one
aggregate query over ``Request``, ``History``, ``Escalation`` and ``Rating`` (first answers as
``MIN(at) … GROUP BY request``), with the day boundaries as Moscow-time datetimes. Only the
working days of answer times are counted in Python, per distinct pair of days.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate

from stroydesk.cases.models import Escalation, History, Rating, Request
from stroydesk.stats.models import NONE
from stroydesk.stats.periods import TIME_UNITS, Period, bucket_start, buckets
from stroydesk.stats.selectors import Filters, Tally, section_of
from stroydesk.stats.services import answer_working_days
from stroydesk.workcalendar import selectors as workdays
from stroydesk.workcalendar.calendar import MOSCOW

A = History.Action


# Dimension → (column on Request, column on Escalation).
COLUMNS = {
    "channel": ("channel", "request__channel"),
    "topic": ("topic_id", "request__topic_id"),
    "section": ("topic_id", "request__topic_id"),
    "authority": ("authority_id", "authority_id"),
    "applicant_type": ("applicant__kind", "request__applicant__kind"),
}


class RawSource:
    """Tallies counted from the cases tables on every call."""

    def tallies(
        self, start: date, end: date, group: str, filters: Filters, today: date
    ) -> dict[Any, Tally]:
        if group in TIME_UNITS:
            return {
                bucket_start(group, bucket.start): self.tallies(
                    bucket.start, bucket.end, "", filters, today
                )[None]
                for bucket in buckets(Period(start, end), group)
            }
        lower, upper = workdays.start_of_day(start), workdays.start_of_day(end + timedelta(1))
        request_column, escalation_column = COLUMNS.get(group, (None, None))
        key = _mapper(group)
        result: dict[Any, Tally] = {}

        def at(value: Any) -> Tally:
            return result.setdefault(key(value), Tally())

        requests = _requests(filters)
        escalated = Exists(Escalation.objects.filter(request=OuterRef("pk")))
        reopened = Exists(History.objects.filter(request=OuterRef("pk"), action=A.REOPEN))

        def count(qs: QuerySet, field: str) -> None:
            # One plain COUNT per figure: EXISTS in WHERE becomes a (anti-)join, in FILTER it
            # would run once per row.
            for row in _by(qs, request_column).annotate(n=Count("pk")):
                tally = at(row["g"])
                setattr(tally, field, getattr(tally, field) + row["n"])

        received = requests.filter(registered_at__gte=lower, registered_at__lt=upper)
        count(received, "received")
        count(received.filter(escalated), "escalated")
        answered = requests.filter(pk__in=_first(A.ANSWER, lower, upper))
        count(answered, "answered")
        count(answered.filter(~escalated, ~reopened), "first_contact")
        count(answered.filter(reopened), "reopened")
        count(requests.filter(pk__in=_first(A.CLOSE, lower, upper)), "closed")
        count(requests.filter(registered_at__lt=upper), "open_at_end")
        answered_by_end = History.objects.filter(action=A.ANSWER, at__lt=upper).values("request")
        for row in _by(requests.filter(pk__in=answered_by_end), request_column).annotate(
            n=Count("pk")
        ):
            at(row["g"]).open_at_end -= row["n"]
        escalations = _escalations(filters)
        sla_end = min(end, today - timedelta(days=1))
        if start <= sla_end:
            due = escalations.filter(
                status__in=(Escalation.Status.OPEN, Escalation.Status.ANSWERED),
                paused_at__isnull=True,
                due_at__gte=lower,
                due_at__lt=workdays.start_of_day(sla_end + timedelta(days=1)),
            )
            for row in _by(due, escalation_column).annotate(
                n=Count("pk"), met=Count("pk", filter=Q(answered_at__lte=F("due_at")))
            ):
                at(row["g"]).sla_due += row["n"]
                at(row["g"]).sla_met += row["met"]
        answers = escalations.filter(
            status=Escalation.Status.ANSWERED, answered_at__gte=lower, answered_at__lt=upper
        ).annotate(
            e=TruncDate("escalated_at", tzinfo=MOSCOW), a=TruncDate("answered_at", tzinfo=MOSCOW)
        )
        for row in _by(answers, escalation_column, "e", "a").annotate(n=Count("pk")):
            days = answer_working_days(
                workdays.start_of_day(row["e"]), workdays.start_of_day(row["a"])
            )
            at(row["g"]).answer_days[days] += row["n"]
        for row in _by(
            _ratings(filters, lower, upper), request_column and f"request__{request_column}"
        ).annotate(n=Count("pk"), total=Sum("score")):
            at(row["g"]).ratings += row["n"]
            at(row["g"]).rating_sum += row["total"] or 0
        if not group:
            result.setdefault(None, Tally())
        return result

    def received(self, start: date, end: date, filters: Filters) -> int:
        return (
            _requests(filters)
            .filter(
                registered_at__gte=workdays.start_of_day(start),
                registered_at__lt=workdays.start_of_day(end + timedelta(days=1)),
            )
            .count()
        )

    def received_by_month(self, start: date, end: date, filters: Filters) -> dict[date, int]:
        by_month: dict[date, int] = {}
        for day, n in self.received_by_day(start, end, filters).items():
            by_month[day.replace(day=1)] = by_month.get(day.replace(day=1), 0) + n
        return by_month

    def received_by_day(self, start: date, end: date, filters: Filters) -> dict[date, int]:
        rows = (
            _requests(filters)
            .filter(
                registered_at__gte=workdays.start_of_day(start),
                registered_at__lt=workdays.start_of_day(end + timedelta(days=1)),
            )
            .annotate(d=TruncDate("registered_at", tzinfo=MOSCOW))
            .order_by()
            .values("d")
            .annotate(n=Count("pk"))
        )
        return {row["d"]: row["n"] for row in rows}


def _requests(filters: Filters) -> QuerySet[Request]:
    qs = Request.objects.all()
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.topic_ids:
        qs = qs.filter(topic_id__in=sorted(filters.topic_ids))
    if filters.authority_id is not None:
        qs = qs.filter(authority_id=filters.authority_id)
    if filters.applicant_kind:
        qs = qs.filter(applicant__kind=filters.applicant_kind)
    return qs


def _ratings(filters: Filters, lower, upper) -> QuerySet[Rating]:
    qs = Rating.objects.filter(created_at__gte=lower, created_at__lt=upper)
    return qs.filter(request__in=_requests(filters)) if filters != Filters() else qs


def _escalations(filters: Filters) -> QuerySet[Escalation]:
    qs = Escalation.objects.all()
    if filters.channel:
        qs = qs.filter(request__channel=filters.channel)
    if filters.topic_ids:
        qs = qs.filter(request__topic_id__in=sorted(filters.topic_ids))
    if filters.authority_id is not None:
        qs = qs.filter(authority_id=filters.authority_id)
    if filters.applicant_kind:
        qs = qs.filter(request__applicant__kind=filters.applicant_kind)
    return qs


def _first(action: History.Action, lower, upper) -> QuerySet:
    """Ids of the requests whose first history entry of ``action`` falls in [lower, upper)."""
    return (
        History.objects.filter(action=action)
        .order_by()
        .values("request")
        .annotate(first=Min("at"))
        .filter(first__gte=lower, first__lt=upper)
        .values("request")
    )


def _by(qs: QuerySet, column: str | None, *extra: str) -> QuerySet:
    """``qs`` grouped by ``column`` (as ``g``) and the extra columns; one group when None."""
    qs = qs.order_by()
    if column is None:
        return qs.annotate(g=Value(None, output_field=IntegerField())).values("g", *extra)
    return qs.annotate(g=F(column)).values("g", *extra)


def _mapper(group: str) -> Callable[[Any], Any]:
    if not group:
        return lambda value: None
    if group == "section":
        sections = section_of()
        return lambda value: sections.get(value, value) if value else NONE
    if group in ("topic", "authority"):
        return lambda value: value or NONE
    return lambda value: value
