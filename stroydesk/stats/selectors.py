"""Reports of the center over any period, read from the daily rollups (stats only reads).

A report is built in two steps. A *source* answers "the tallies of these dates, per group": the
rollups here (fast: a year is a few hundred thousand small rows), or the raw cases tables in
``stats.raw`` (slow, the reference the rollups are tested against). ``build_report`` then turns
tallies into figures (shares, the 4-day promise, median and 90th percentile answer times) and
into changes against the year before and the previous period. Both sources go through the same
``build_report``, so a test that compares them compares only what they count.

What is counted where (all days are Moscow calendar days):
- received / escalated: requests registered in the period; escalated = of those, handed to an
  authority at least once so far;
- answered / first-contact / reopened: requests whose FIRST answer to the applicant was sent in
  the period; first-contact = never escalated and never reopened; reopened = reopened later;
- closed: requests first closed in the period;
- open at the end: registered by the end of the period and not answered by then;
- 4-day promise: escalations whose due moment fell in the period and has passed (days up to
  yesterday), held to it (open or answered, not paused); met = answered at or before the stored
  due moment (which includes the pauses);
- answer time: working days from the day of escalation to the authority's answer, for the
  authority answers given in the period (nearest-rank median and 90th percentile);
- CSAT: the average of the applicants' marks (1–5) given in the period;
- changes, in percent of the received requests: on the same dates a year before (YoY) and on
  the previous period of the same kind; each row of a breakdown by time has both, and by month
  the latter is also named ``mom_percent``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from django.db.models import F, Func, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek, TruncYear
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import Applicant, User
from stroydesk.cases.models import Request
from stroydesk.directory.selectors import authority_list, topic_list
from stroydesk.stats.models import (
    NONE,
    REQUEST_COUNTS,
    AnswerTimeMonthlyRollup,
    AnswerTimeRollup,
    DailyRollup,
    MonthlyRollup,
    RollupState,
    SlaMonthlyRollup,
    SlaRollup,
)
from stroydesk.stats.periods import TIME_UNITS, Period, bucket_start, buckets, period_of
from stroydesk.workcalendar import selectors as workdays

DIMENSION_GROUPS = ("channel", "section", "topic", "authority", "applicant_type")
GROUPS = (*TIME_UNITS, *DIMENSION_GROUPS)
# The rollup column each dimension group reads ("section" is derived from the topic).
GROUP_COLUMNS = {
    "channel": "channel",
    "section": "topic_id",
    "topic": "topic_id",
    "authority": "authority_id",
    "applicant_type": "applicant_kind",
}
TRUNC: dict[str, Callable[[str], Func]] = {
    "week": TruncWeek,
    "month": TruncMonth,
    "quarter": TruncQuarter,
    "year": TruncYear,
}


@dataclass(frozen=True)
class Filters:
    """Which requests a report is about; empty means all."""

    channel: str = ""
    topic_ids: frozenset[int] = frozenset()
    authority_id: int | None = None
    applicant_kind: str = ""

    def apply(self, qs: QuerySet, *, prefix: str = "") -> QuerySet:
        """Filter a rollup (or, with ``prefix``, a fact-like) queryset by these filters."""
        if self.channel:
            qs = qs.filter(**{f"{prefix}channel": self.channel})
        if self.topic_ids:
            qs = qs.filter(**{f"{prefix}topic_id__in": sorted(self.topic_ids)})
        if self.authority_id is not None:
            qs = qs.filter(**{f"{prefix}authority_id": self.authority_id})
        if self.applicant_kind:
            qs = qs.filter(**{f"{prefix}applicant_kind": self.applicant_kind})
        return qs


@dataclass(frozen=True)
class ReportQuery:
    """A report asked for: the period, an optional breakdown, the filters and their wording."""

    period: Period
    group_by: str = ""
    filters: Filters = Filters()
    filter_labels: tuple[tuple[str, str], ...] = ()


@dataclass
class Tally:
    """Counts of one group over one period, before they become figures."""

    received: int = 0
    escalated: int = 0
    answered: int = 0
    closed: int = 0
    first_contact: int = 0
    reopened: int = 0
    open_at_end: int = 0
    sla_due: int = 0
    sla_met: int = 0
    ratings: int = 0
    rating_sum: int = 0
    answer_days: Counter[int] = field(default_factory=Counter)

    def figures(self) -> dict[str, Any]:
        answers = sum(self.answer_days.values())
        return {
            "received": self.received,
            "answered": self.answered,
            "closed": self.closed,
            "open_at_end": self.open_at_end,
            "escalated": self.escalated,
            "escalated_percent": percent(self.escalated, self.received),
            "first_contact_percent": percent(self.first_contact, self.answered),
            "reopened": self.reopened,
            "reopen_percent": percent(self.reopened, self.answered),
            "sla_due": self.sla_due,
            "sla_met": self.sla_met,
            "sla_percent": percent(self.sla_met, self.sla_due),
            "authority_answers": answers,
            "answer_days_median": nearest_rank(self.answer_days, 0.5),
            "answer_days_p90": nearest_rank(self.answer_days, 0.9),
            "ratings": self.ratings,
            "csat_average": round(self.rating_sum / self.ratings, 2) if self.ratings else None,
        }


class Source(Protocol):
    """Where tallies come from: the rollups (``RollupSource``) or the raw tables."""

    def tallies(
        self, start: date, end: date, group: str, filters: Filters, today: date
    ) -> dict[Any, Tally]: ...

    def received(self, start: date, end: date, filters: Filters) -> int: ...

    def received_by_day(self, start: date, end: date, filters: Filters) -> dict[date, int]: ...

    def received_by_month(self, start: date, end: date, filters: Filters) -> dict[date, int]: ...


@dataclass
class Report:
    """A built report: the total, the changes, the groups (if any) and how fresh it is."""

    query: ReportQuery
    total: dict[str, Any]
    change: dict[str, Any]
    groups: list[dict[str, Any]]
    refreshed_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.query.period.as_dict(),
            "group_by": self.query.group_by or None,
            "filters": dict(self.query.filter_labels),
            "figures": self.total,
            "change": self.change,
            "groups": self.groups,
            "refreshed_at": self.refreshed_at.isoformat() if self.refreshed_at else None,
        }


# --- Public selectors -----------------------------------------------------------------------


def report(
    query: ReportQuery, *, today: date | None = None, source: RollupSource | None = None
) -> Report:
    """The report from the rollups; as fresh as the last refresh (``refreshed_at``)."""
    built = build_report(query, source or RollupSource(), today=today)
    built.refreshed_at = (
        RollupState.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()
    )
    return built


def stats_visible_to(user: Any) -> bool:
    """Statistics are for supervisors and administrators."""
    return bool(user.is_authenticated and user.role in (User.Role.SUPERVISOR, User.Role.ADMIN))


def dashboard(query: ReportQuery, *, today: date | None = None) -> dict[str, Any]:
    """The dashboard's charts (and the tables under them), from reports of one period.

    Volume by month (by day for periods of up to two months) with last year's line, the
    channel mix, the share escalated per month, the 4-day promise per authority, top topics.
    """
    unit = "day" if query.period.days <= 62 else "month"
    source = RollupSource()
    volume = report(replace(query, group_by=unit), today=today, source=source)
    channels = build_report(replace(query, group_by="channel"), source, today=today)
    authorities = build_report(replace(query, group_by="authority"), source, today=today)
    topics = build_report(replace(query, group_by="topic"), source, today=today)
    return {
        "period": query.period.as_dict(),
        "filters": dict(query.filter_labels),
        "refreshed_at": volume.refreshed_at.isoformat() if volume.refreshed_at else None,
        "figures": volume.total,
        "change": volume.change,
        "unit": unit,
        "volume": [
            _pick(row, "label", "received", "received_year_before", "yoy_percent")
            for row in volume.groups
        ],
        "channels": [
            _pick(row, "key", "label", "received", "escalated_percent")
            | {"share_percent": percent(row["received"], volume.total["received"])}
            for row in channels.groups
        ],
        "escalation": [
            _pick(row, "label", "received", "escalated", "escalated_percent")
            for row in volume.groups
        ],
        "sla": [
            _pick(
                row,
                "key",
                "label",
                "sla_due",
                "sla_met",
                "sla_percent",
                "answer_days_median",
                "answer_days_p90",
            )
            for row in authorities.groups
            if row["key"] != NONE and row["sla_due"]
        ],
        "topics": [
            _pick(row, "key", "label", "received", "escalated_percent")
            for row in topics.groups[:10]
        ],
    }


def _pick(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: row[name] for name in names}


def yearly(
    years: list[int], filters: Filters = Filters(), *, source: Source | None = None
) -> list[dict[str, Any]]:
    """Figures per calendar year, each with its change against the year before in percent."""
    source = source or RollupSource()
    today = _today()
    rows = []
    for year in sorted(years):
        start, end = date(year, 1, 1), date(year, 12, 31)
        tally = source.tallies(start, end, "", filters, today).get(None, Tally())
        before = source.received(date(year - 1, 1, 1), date(year - 1, 12, 31), filters)
        rows.append(
            {"year": year, **tally.figures(), "yoy_percent": change_percent(tally.received, before)}
        )
    return rows


def build_report(query: ReportQuery, source: Source, *, today: date | None = None) -> Report:
    """Tallies of the period (and its groups) turned into figures and changes."""
    today = today or _today()
    period, group, filters = query.period, query.group_by, query.filters
    total = source.tallies(period.start, period.end, "", filters, today).get(None, Tally())
    year_before, previous = period.year_before(), period.previous()
    known: dict[date, int] | None = None  # received per day (or per month) the buckets need
    if group in TIME_UNITS:
        first = min(year_before.start, period_of(group, period.start).previous().start)
        if group in ("day", "week"):
            known = source.received_by_day(first, period.end, filters)
        else:
            known = source.received_by_month(first.replace(day=1), period.end, filters)

    def received(p: Period) -> int:
        whole_months = p.start.day == 1 and p.end == period_of("month", p.end).end
        if known is not None and (group in ("day", "week") or whole_months):
            return sum(n for day, n in known.items() if p.start <= day <= p.end)
        return source.received(p.start, p.end, filters)

    change = {
        "yoy_percent": change_percent(total.received, received(year_before)),
        "year_before": {**year_before.as_dict(), "received": received(year_before)},
        "previous_percent": change_percent(total.received, received(previous)),
        "previous": {**previous.as_dict(), "received": received(previous)},
    }
    groups: list[dict[str, Any]] = []
    if group in TIME_UNITS:
        tallies = source.tallies(period.start, period.end, group, filters, today)
        for bucket in buckets(period, group):
            tally = tallies.get(bucket_start(group, bucket.start), Tally())
            row: dict[str, Any] = {
                "key": bucket.start.isoformat(),
                "label": bucket_label(group, bucket),
            }
            row |= {"from": bucket.start.isoformat(), "to": bucket.end.isoformat()}
            row |= tally.figures()
            before = period_of(group, bucket.start).previous()
            row["previous_percent"] = change_percent(tally.received, received(before))
            if group == "month":  # month over month, under the name people look for
                row["mom_percent"] = row["previous_percent"]
            row["received_year_before"] = received(bucket.year_before())
            row["yoy_percent"] = change_percent(tally.received, row["received_year_before"])
            groups.append(row)
    elif group:
        tallies = source.tallies(period.start, period.end, group, filters, today)
        labels = group_labels(group)
        for key, tally in tallies.items():
            groups.append({"key": key, "label": labels.get(key, str(key)), **tally.figures()})
        groups.sort(key=lambda row: (-row["received"], str(row["label"])))
    return Report(query=query, total=total.figures(), change=change, groups=groups)


# --- The rollup source ----------------------------------------------------------------------


class RollupSource:
    """Tallies summed from the rollup tables (a handful of aggregate queries).

    Whole months are read from the monthly rollups, the days at the edges of a period from the
    daily ones, so a year is twelve rows per combination of dimensions. One instance remembers
    what it was asked, so that several reports built from it (the dashboard's) read each total
    once.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple, Any] = {}

    def tallies(
        self, start: date, end: date, group: str, filters: Filters, today: date
    ) -> dict[Any, Tally]:
        memo_key = ("tallies", start, end, group, filters, today)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._tallies(start, end, group, filters, today)
        return self._memo[memo_key]

    def _tallies(
        self, start: date, end: date, group: str, filters: Filters, today: date
    ) -> dict[Any, Tally]:
        key, regroup = _group_key(group)
        result: dict[Any, Tally] = {}

        def at(raw_key: Any) -> Tally:
            return result.setdefault(regroup(raw_key), Tally())

        sums = {name: Sum(name) for name in REQUEST_COUNTS}
        for qs in _rows("requests", start, end, group, filters):
            for row in _grouped(qs, key).annotate(**sums):
                tally = at(row["g"])
                for name in sums:
                    setattr(tally, name, getattr(tally, name) + (row[name] or 0))
        self._open_at_end(start, end, group, filters, key, at)
        sla_end = min(end, today - timedelta(days=1))
        if start <= sla_end:
            for qs in _rows("sla", start, sla_end, group, filters):
                for row in _grouped(qs, key).annotate(due_n=Sum("due"), met_n=Sum("met")):
                    tally = at(row["g"])
                    tally.sla_due += row["due_n"] or 0
                    tally.sla_met += row["met_n"] or 0
        for qs in _rows("times", start, end, group, filters):
            for row in _grouped(qs, key, "working_days").annotate(n=Sum("answers")):
                at(row["g"]).answer_days[row["working_days"]] += row["n"] or 0
        if group == "":
            result.setdefault(None, Tally())
        return result

    def _open_at_end(self, start, end, group, filters, key, at) -> None:
        flows = {"r": Sum("received"), "a": Sum("answered")}
        if group not in TIME_UNITS:
            for qs in _rows("requests", BEGINNING, end, group, filters):
                for row in _grouped(qs, key).annotate(**flows):
                    at(row["g"]).open_at_end += (row["r"] or 0) - (row["a"] or 0)
            return
        running = 0
        for qs in _rows("requests", BEGINNING, start - timedelta(days=1), "", filters):
            before = qs.aggregate(**flows)
            running += (before["r"] or 0) - (before["a"] or 0)
        per_bucket: Counter[Any] = Counter()
        for qs in _rows("requests", start, end, group, filters):
            for row in _grouped(qs, key).annotate(**flows):
                per_bucket[row["g"]] += (row["r"] or 0) - (row["a"] or 0)
        for bucket in buckets(Period(start, end), group):
            running += per_bucket.get(bucket_start(group, bucket.start), 0)
            at(bucket_start(group, bucket.start)).open_at_end = running

    def received(self, start: date, end: date, filters: Filters) -> int:
        memo_key = ("received", start, end, filters)
        if memo_key not in self._memo:
            self._memo[memo_key] = sum(
                qs.aggregate(n=Sum("received"))["n"] or 0
                for qs in _rows("requests", start, end, "", filters)
            )
        return self._memo[memo_key]

    def received_by_day(self, start: date, end: date, filters: Filters) -> dict[date, int]:
        memo_key = ("daily", start, end, filters)
        if memo_key not in self._memo:
            rows = (
                filters.apply(DailyRollup.objects.filter(day__range=(start, end)))
                .order_by()
                .values("day")
                .annotate(n=Sum("received"))
            )
            self._memo[memo_key] = {row["day"]: row["n"] for row in rows if row["n"]}
        return self._memo[memo_key]

    def received_by_month(self, start: date, end: date, filters: Filters) -> dict[date, int]:
        """Received per month (keyed by the 1st) of the whole months in [start, end]."""
        pieces = [p for p in month_pieces(start, end) if p[0]]
        if not pieces:
            return {}
        rows = (
            filters.apply(MonthlyRollup.objects.filter(day__range=pieces[0][1:]))
            .order_by()
            .values("day")
            .annotate(n=Sum("received"))
        )
        return {row["day"]: row["n"] for row in rows if row["n"]}


LEVELS: dict[str, tuple[type[Any], type[Any]]] = {
    "requests": (DailyRollup, MonthlyRollup),
    "sla": (SlaRollup, SlaMonthlyRollup),
    "times": (AnswerTimeRollup, AnswerTimeMonthlyRollup),
}
BEGINNING = date(1900, 1, 1)  # "since the first request", for the requests open at a date


def _rows(kind: str, start: date, end: date, group: str, filters: Filters) -> list[QuerySet]:
    """The rollup rows of [start, end]: whole months from the monthly table, the rest daily."""
    daily, monthly = LEVELS[kind]
    return [
        filters.apply((monthly if whole_months else daily).objects.filter(day__range=(a, b)))
        for whole_months, a, b in month_pieces(start, end, by_day=group in ("day", "week"))
    ]


def month_pieces(start: date, end: date, *, by_day: bool = False) -> list[tuple[bool, date, date]]:
    """[start, end] cut into (whole months?, first, last) pieces; all daily when ``by_day``."""
    if start > end:
        return []
    first_whole = start if start.day == 1 else period_of("month", start).end + timedelta(days=1)
    month_of_end = period_of("month", end)
    last_whole = end if end == month_of_end.end else month_of_end.start - timedelta(days=1)
    if by_day or first_whole > last_whole:
        return [(False, start, end)]
    pieces = [(True, first_whole, last_whole)]
    if start < first_whole:
        pieces.insert(0, (False, start, first_whole - timedelta(days=1)))
    if last_whole < end:
        pieces.append((False, last_whole + timedelta(days=1), end))
    return pieces


# --- Shared helpers -------------------------------------------------------------------------


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent with one decimal; None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


def change_percent(now: int, before: int) -> float | None:
    """The change from ``before`` to ``now`` in percent with one decimal; None without a base."""
    return round(100 * (now - before) / before, 1) if before else None


def nearest_rank(histogram: Counter[int], q: float) -> int | None:
    """The nearest-rank ``q``-quantile of a histogram {value: count}; None when it is empty."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)  # pragma: no cover — the loop always reaches the rank


def section_of() -> dict[int, int]:
    """Topic id → id of its section (a section maps to itself)."""
    return {t.pk: t.parent_id or t.pk for t in topic_list(active_only=False)}


def group_labels(group: str) -> dict[Any, str]:
    """Display names of the keys of a dimension group, in the current language."""
    if group == "channel":
        return {value: str(label) for value, label in Request.Channel.choices}
    if group == "applicant_type":
        return {value: str(label) for value, label in Applicant.Kind.choices}
    if group == "authority":
        labels = {a.pk: a.short_name for a in authority_list(active_only=False)}
        return {**labels, NONE: str(_("Not escalated"))}
    if group in ("topic", "section"):
        topics = topic_list(active_only=False)
        if group == "section":
            return {
                **{t.pk: t.name for t in topics if t.parent_id is None},
                NONE: str(_("Not classified")),
            }
        return {**{t.pk: str(t) for t in topics}, NONE: str(_("Not classified"))}
    return {}


def bucket_label(unit: str, bucket: Period) -> str:
    """A human label of a time bucket: "март 2021", "II кв. 2021", "неделя с 01.03.2021"."""
    if unit == "day":
        return date_format(bucket.start, "d.m.Y")
    if unit == "week":
        return str(_("week of %(day)s") % {"day": date_format(bucket.start, "d.m.Y")})
    if unit == "month":
        return date_format(bucket.start, "F Y")
    if unit == "quarter":
        number = (bucket.start.month - 1) // 3 + 1
        return str(_("Q%(number)d %(year)d") % {"number": number, "year": bucket.start.year})
    return str(bucket.start.year)


def _grouped(qs: QuerySet, key: str | Func | None, *extra: str) -> QuerySet:
    """``qs`` grouped by the key (as ``g``) and the extra columns; one group when key is None."""
    qs = qs.order_by()
    if key is None:
        # A constant is left out of GROUP BY: the whole queryset is one group.
        return qs.annotate(g=Value(None, output_field=IntegerField())).values("g", *extra)
    return qs.annotate(g=F(key) if isinstance(key, str) else key).values("g", *extra)


def _group_key(group: str) -> tuple[Any, Callable[[Any], Any]]:
    """The grouping expression of a group and the function that maps its value to the key."""
    if not group:
        return None, lambda value: None
    if group == "day":
        return "day", lambda value: value
    if group in TRUNC:
        return TRUNC[group]("day"), lambda value: _as_date(value)
    if group == "section":
        sections = section_of()
        return "topic_id", lambda value: sections.get(value, value)
    return GROUP_COLUMNS[group], lambda value: value


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _today() -> date:
    return workdays.moscow_date(timezone.now())
