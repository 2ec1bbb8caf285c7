"""Commands of statistics: keep the facts and the daily rollups in step with the cases history.

Stats only READS the cases tables (``Request``, ``History``, ``Escalation``, ``Rating``); it
writes nothing but its own tables. The history is append-only, so "what changed" is "the
requests that got a history entry since the last run": ``rollups_refresh`` (the periodic job)
reads the entries after its watermark, re-derives those requests' facts from the cases tables,
and re-sums every day whose figures they touch — before and after the change.
``rollups_rebuild`` does the same for all requests received in a date range and re-sums every
day of it (``manage.py rebuild_rollups``). Both write only the rows whose figures differ, so
running them twice changes nothing the second time, and each unit of work is one transaction
that first locks the ``RollupState`` row, so two workers never interleave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from stroydesk.cases.models import Escalation, History, Rating, Request
from stroydesk.stats.models import (
    NONE,
    REQUEST_COUNTS,
    AnswerTimeMonthlyRollup,
    AnswerTimeRollup,
    DailyRollup,
    EscalationFact,
    MonthlyRollup,
    RatingFact,
    RequestFact,
    RollupState,
    SlaMonthlyRollup,
    SlaRollup,
)
from stroydesk.workcalendar import selectors as workdays

DIMENSIONS = ("channel", "topic_id", "authority_id", "applicant_kind")
# History ids are taken in the order transactions start, not the order they commit: an entry
# written by a slow transaction can appear below the watermark after a run. Each run re-reads
# this many entries below it, which is cheap and idempotent.
OVERLAP = 1000
HISTORY_CHUNK = 20_000
REQUEST_CHUNK = 2_000
DAYS_CHUNK = 62

REQUEST_FACT_FIELDS = (
    *DIMENSIONS,
    "registered_on",
    "escalated",
    "answered_on",
    "closed_on",
    "reopened",
    "first_contact",
)
ESCALATION_FACT_FIELDS = (
    *DIMENSIONS,
    "request_id",
    "due_on",
    "met",
    "answered_on",
    "answer_days",
)
RATING_FACT_FIELDS = (*DIMENSIONS, "request_id", "rated_on", "score")
HELD_TO_DUE = (Escalation.Status.OPEN, Escalation.Status.ANSWERED)
# The steps a request fact is made of: its first answer and first closing, and any reopening.
COUNTED_STEPS = (History.Action.ANSWER, History.Action.CLOSE, History.Action.REOPEN)
# (daily model, monthly model, extra key columns, counter columns)
MONTHLY_LEVELS: tuple[tuple[type[Any], type[Any], tuple[str, ...], tuple[str, ...]], ...] = (
    (DailyRollup, MonthlyRollup, (), REQUEST_COUNTS),
    (SlaRollup, SlaMonthlyRollup, (), ("due", "met")),
    (AnswerTimeRollup, AnswerTimeMonthlyRollup, ("working_days",), ("answers",)),
)


@dataclass(frozen=True)
class RefreshResult:
    """What one run did: requests re-derived, facts that changed, days re-summed."""

    requests: int
    changed_facts: int
    days: int
    last_history_id: int


# --- The periodic refresh and the rebuild ---------------------------------------------------


def rollups_refresh() -> RefreshResult:
    """Bring facts and rollups up to date with every history entry written since the last run."""
    state = _state()
    start = max(0, state.last_history_id - OVERLAP)
    top = History.objects.aggregate(top=Max("pk"))["top"] or 0
    requests = changed = days = 0
    cursor = start
    while cursor < top:
        upper = min(cursor + HISTORY_CHUNK, top)
        ids = sorted(
            set(
                History.objects.filter(pk__gt=cursor, pk__lte=upper).values_list(
                    "request_id", flat=True
                )
            )
        )
        for batch in _chunks(ids, REQUEST_CHUNK):
            facts, touched = _refresh_requests(batch)
            requests += len(batch)
            changed += facts
            days += touched
        cursor = upper
    with transaction.atomic():
        locked = _lock_state()
        locked.last_history_id = max(locked.last_history_id, top)
        locked.refreshed_at = timezone.now()
        locked.save(update_fields=["last_history_id", "refreshed_at"])
    return RefreshResult(requests, changed, days, max(state.last_history_id, top))


def rollups_rebuild(*, date_from: date, date_to: date) -> RefreshResult:
    """Re-derive the facts of the requests received in the range and re-sum each of its days.

    For repairs (a changed calendar, an applicant's type corrected without a history entry):
    everything in the range is recomputed from the cases tables.
    """
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    ids = list(
        Request.objects.filter(
            registered_at__gte=workdays.start_of_day(date_from),
            registered_at__lt=workdays.start_of_day(date_to + timedelta(days=1)),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = days = 0
    for batch in _chunks(ids, REQUEST_CHUNK):
        facts, touched = _refresh_requests(batch)
        changed += facts
        days += touched
    all_days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    for run in _runs(all_days):
        with transaction.atomic():
            _lock_state()
            rollups_resum(run[0], run[-1])
        days += len(run)
    return RefreshResult(len(ids), changed, days, _state().last_history_id)


def rollups_resum(first: date, last: date) -> int:
    """Re-sum the three rollups of the days ``first``..``last`` from the facts, and the monthly
    rollups of the months they fall in from the daily ones; returns the rows changed.

    Run inside a transaction that holds the state lock (the services above do).
    """
    key = ("day", *DIMENSIONS)
    daily: dict[tuple, list[int]] = defaultdict(lambda: [0] * 8)
    facts = RequestFact.objects.order_by()
    for row in (
        facts.filter(registered_on__range=(first, last))
        .values("registered_on", *DIMENSIONS)
        .annotate(n=Count("pk"), escalated_n=Count("pk", filter=Q(escalated=True)))
    ):
        counters = daily[(row["registered_on"], *(row[d] for d in DIMENSIONS))]
        counters[0] += row["n"]
        counters[1] += row["escalated_n"]
    for row in (
        facts.filter(answered_on__range=(first, last))
        .values("answered_on", *DIMENSIONS)
        .annotate(
            n=Count("pk"),
            fcr=Count("pk", filter=Q(first_contact=True)),
            reopened_n=Count("pk", filter=Q(reopened=True)),
        )
    ):
        counters = daily[(row["answered_on"], *(row[d] for d in DIMENSIONS))]
        counters[2] += row["n"]
        counters[4] += row["fcr"]
        counters[5] += row["reopened_n"]
    for row in (
        facts.filter(closed_on__range=(first, last))
        .values("closed_on", *DIMENSIONS)
        .annotate(n=Count("pk"))
    ):
        daily[(row["closed_on"], *(row[d] for d in DIMENSIONS))][3] += row["n"]
    for row in (
        RatingFact.objects.order_by()
        .filter(rated_on__range=(first, last))
        .values("rated_on", *DIMENSIONS)
        .annotate(n=Count("pk"), total=Sum("score"))
    ):
        counters = daily[(row["rated_on"], *(row[d] for d in DIMENSIONS))]
        counters[6] += row["n"]
        counters[7] += row["total"]
    changed = _sync(
        DailyRollup,
        DailyRollup.objects.filter(day__range=(first, last)),
        key,
        REQUEST_COUNTS,
        {k: tuple(v) for k, v in daily.items()},
    )
    escalations = EscalationFact.objects.order_by()
    sla = {
        (row["due_on"], *(row[d] for d in DIMENSIONS)): (row["n"], row["met_n"])
        for row in escalations.filter(due_on__range=(first, last))
        .values("due_on", *DIMENSIONS)
        .annotate(n=Count("pk"), met_n=Count("pk", filter=Q(met=True)))
    }
    changed += _sync(
        SlaRollup, SlaRollup.objects.filter(day__range=(first, last)), key, ("due", "met"), sla
    )
    times = {
        (row["answered_on"], *(row[d] for d in DIMENSIONS), row["answer_days"]): (row["n"],)
        for row in escalations.filter(answered_on__range=(first, last), answer_days__isnull=False)
        .values("answered_on", *DIMENSIONS, "answer_days")
        .annotate(n=Count("pk"))
    }
    changed += _sync(
        AnswerTimeRollup,
        AnswerTimeRollup.objects.filter(day__range=(first, last)),
        (*key, "working_days"),
        ("answers",),
        times,
    )
    month = first.replace(day=1)
    while month <= last:
        changed += _resum_month(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return changed


def _resum_month(month: date) -> int:
    """Sum the daily rollups of the month starting on ``month`` into the monthly ones."""
    last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    changed = 0
    for daily, monthly, extra, counters in MONTHLY_LEVELS:
        sums = (
            daily.objects.filter(day__range=(month, last))
            .order_by()
            .values(*DIMENSIONS, *extra)
            .annotate(**{f"sum_{name}": Sum(name) for name in counters})
        )
        new = {
            (month, *(row[d] for d in (*DIMENSIONS, *extra))): tuple(
                row[f"sum_{name}"] for name in counters
            )
            for row in sums
        }
        changed += _sync(
            monthly, monthly.objects.filter(day=month), ("day", *DIMENSIONS, *extra), counters, new
        )
    return changed


# --- Facts ----------------------------------------------------------------------------------


def derive_facts(request_ids: Sequence[int]) -> tuple[dict[int, tuple], ...]:
    """The facts of these requests as the cases tables say now (read-only), keyed by id.

    Returns ``{request_id: REQUEST_FACT_FIELDS values}``, ``{escalation_id:
    ESCALATION_FACT_FIELDS values}`` and ``{rating_id: RATING_FACT_FIELDS values}``; requests
    that no longer exist are simply absent.
    """
    rows = Request.objects.filter(pk__in=request_ids).values_list(
        "pk", "channel", "topic_id", "authority_id", "applicant__kind", "registered_at"
    )
    first: dict[tuple[int, str], datetime] = {}
    reopened: set[int] = set()
    for request_id, action, at in (
        History.objects.filter(request_id__in=request_ids, action__in=COUNTED_STEPS)
        .order_by()
        .values_list("request_id", "action", "at")
    ):
        if action == History.Action.REOPEN:
            reopened.add(request_id)
        elif (request_id, action) not in first or at < first[(request_id, action)]:
            first[(request_id, action)] = at
    escalation_rows = list(
        Escalation.objects.filter(request_id__in=request_ids)
        .order_by()
        .values_list(
            "pk",
            "request_id",
            "authority_id",
            "status",
            "escalated_at",
            "due_at",
            "paused_at",
            "answered_at",
        )
    )
    escalated = {row[1] for row in escalation_rows}
    # A request the authority returned has no authority any more, but it was escalated: it
    # counts with the last authority it went to, never under "not escalated".
    last_authority = {
        row[1]: row[2] for row in sorted(escalation_rows, key=lambda row: (row[4], row[0]))
    }
    requests: dict[int, tuple] = {}
    dims: dict[int, tuple] = {}
    for pk, channel, topic_id, authority_id, kind, registered_at in rows:
        answered = first.get((pk, History.Action.ANSWER))
        closed = first.get((pk, History.Action.CLOSE))
        dims[pk] = (channel, topic_id or NONE, kind)
        requests[pk] = (
            channel,
            topic_id or NONE,
            authority_id or last_authority.get(pk) or NONE,
            kind,
            workdays.moscow_date(registered_at),
            pk in escalated,
            workdays.moscow_date(answered) if answered else None,
            workdays.moscow_date(closed) if closed else None,
            pk in reopened,
            answered is not None and pk not in escalated and pk not in reopened,
        )
    escalations: dict[int, tuple] = {}
    for (
        pk,
        request_id,
        authority_id,
        status,
        escalated_at,
        due_at,
        paused_at,
        answered_at,
    ) in escalation_rows:
        if request_id not in dims:
            continue
        channel, topic_id, kind = dims[request_id]
        held = status in HELD_TO_DUE and paused_at is None
        answered_on = answer_days = None
        if status == Escalation.Status.ANSWERED and answered_at is not None:
            answered_on = workdays.moscow_date(answered_at)
            answer_days = answer_working_days(escalated_at, answered_at)
        escalations[pk] = (
            channel,
            topic_id,
            authority_id,
            kind,
            request_id,
            workdays.moscow_date(due_at) if held else None,
            held and answered_at is not None and answered_at <= due_at,
            answered_on,
            answer_days,
        )
    ratings: dict[int, tuple] = {}
    for pk, request_id, created_at, score in (
        Rating.objects.filter(request_id__in=request_ids)
        .order_by()
        .values_list("pk", "request_id", "created_at", "score")
    ):
        if request_id in requests:
            channel, topic_id, authority_id, kind = requests[request_id][:4]
            ratings[pk] = (
                channel,
                topic_id,
                authority_id,
                kind,
                request_id,
                workdays.moscow_date(created_at),
                score,
            )
    return requests, escalations, ratings


def answer_working_days(escalated_at: datetime, answered_at: datetime) -> int:
    """Working days after the day of escalation up to the day of the answer (0: the same day).

    The same count as the 4-day promise: an answer on the 4th working day after escalation
    took 4 days and is in time.
    """
    start = workdays.moscow_date(escalated_at)
    end = workdays.moscow_date(answered_at)
    if end <= start:
        return 0
    return workdays.working_days_between(start + timedelta(days=1), end)


def _refresh_requests(request_ids: Sequence[int]) -> tuple[int, int]:
    """One unit of work: re-derive the facts of a batch and re-sum the days they touch."""
    with transaction.atomic():
        _lock_state()
        new_requests, new_escalations, new_ratings = derive_facts(request_ids)
        old_requests = {
            row[0]: tuple(row[1:])
            for row in RequestFact.objects.filter(request_id__in=request_ids).values_list(
                "request_id", *REQUEST_FACT_FIELDS
            )
        }
        old_escalations = {
            row[0]: tuple(row[1:])
            for row in EscalationFact.objects.filter(request_id__in=request_ids).values_list(
                "escalation_id", *ESCALATION_FACT_FIELDS
            )
        }
        old_ratings = {
            row[0]: tuple(row[1:])
            for row in RatingFact.objects.filter(request_id__in=request_ids).values_list(
                "rating_id", *RATING_FACT_FIELDS
            )
        }
        days: set[date] = set()
        changed = _sync_facts(
            RequestFact,
            "request_id",
            REQUEST_FACT_FIELDS,
            old_requests,
            new_requests,
            days,
            (4, 6, 7),
        )
        changed += _sync_facts(
            EscalationFact,
            "escalation_id",
            ESCALATION_FACT_FIELDS,
            old_escalations,
            new_escalations,
            days,
            (5, 7),
        )
        changed += _sync_facts(
            RatingFact, "rating_id", RATING_FACT_FIELDS, old_ratings, new_ratings, days, (5,)
        )
        for run in _runs(sorted(days)):
            rollups_resum(run[0], run[-1])
    return changed, len(days)


def _sync_facts(
    model: type[Any],
    key_name: str,
    fields: tuple[str, ...],
    old: dict[int, tuple],
    new: dict[int, tuple],
    days: set[date],
    day_positions: tuple[int, ...],
) -> int:
    """Write the facts that differ; note the days of both their old and new values."""
    create, delete = [], []
    for key, values in new.items():
        before = old.pop(key, None)
        if before == values:
            continue
        if before is not None:
            delete.append(key)
            days.update(before[i] for i in day_positions if before[i] is not None)
        days.update(values[i] for i in day_positions if values[i] is not None)
        create.append(model(**{key_name: key}, **dict(zip(fields, values, strict=True))))
    for key, before in old.items():  # facts of requests or escalations that are gone
        delete.append(key)
        days.update(before[i] for i in day_positions if before[i] is not None)
    if delete:
        model.objects.filter(**{f"{key_name}__in": delete}).delete()
    model.objects.bulk_create(create, batch_size=1000)
    return len(create) + len(old)


def _sync(
    model: type[Any],
    existing: models.QuerySet,
    key_fields: tuple[str, ...],
    value_fields: tuple[str, ...],
    new: dict[tuple, tuple],
) -> int:
    """Make the rows of ``existing`` equal ``new`` ({key: values}); write only the differences."""
    width = len(key_fields)
    old = {
        tuple(row[:width]): (row[-1], tuple(row[width:-1]))
        for row in existing.values_list(*key_fields, *value_fields, "pk")
    }
    create, update = [], []
    for key, values in new.items():
        before = old.pop(key, None)
        fields = dict(zip(key_fields, key, strict=True)) | dict(
            zip(value_fields, values, strict=True)
        )
        if before is None:
            create.append(model(**fields))
        elif before[1] != values:
            update.append(model(pk=before[0], **fields))
    if old:
        model.objects.filter(pk__in=[pk for pk, _ in old.values()]).delete()
    if update:
        model.objects.bulk_update(update, list(value_fields), batch_size=1000)
    model.objects.bulk_create(create, batch_size=1000)
    return len(create) + len(update) + len(old)


# --- Internals ------------------------------------------------------------------------------


def _state() -> RollupState:
    state, _ = RollupState.objects.get_or_create(pk=1)
    return state


def _lock_state() -> RollupState:
    _state()
    return RollupState.objects.select_for_update().get(pk=1)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _runs(days: Iterable[date]) -> Iterator[list[date]]:
    """Consecutive days grouped into runs of at most ``DAYS_CHUNK`` days."""
    run: list[date] = []
    for day in days:
        if run and (day - run[-1] != timedelta(days=1) or len(run) >= DAYS_CHUNK):
            yield run
            run = []
        run.append(day)
    if run:
        yield run
