"""Free slots, computed from the rules on every call (nothing stored that could go stale).

A slot is a start on the grid (``GRID``, 15 minutes, Moscow time) at which the meeting fits the
expert's hours of that day, outside their absences, with the subject's notice and horizon, the
expert's and room's steps free and the day's quota not reached. The rules:

- Days: only working days of the production calendar. A weekday's hours come from the
  expert's row for that weekday. A transferred working Saturday (or Sunday) takes the expert's
  Saturday (Sunday) row: an expert works such a day only with a row for it, and then with those
  hours — not with the hours of the weekday whose day off was moved, because who works on a
  Saturday is a matter of the expert's contract, not of the decree. A shortened pre-holiday day
  (ст. 95 ТК РФ) ends one hour earlier.
- The meeting itself lies within the hours; the buffers before and after it may reach outside
  them, and they hold the expert (not the room): the expert's next meeting starts after this
  one's buffer after and its own buffer before.
- An in-person meeting also holds the expert's room for the meeting's time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from stroydesk.consultations.models import Absence, Claim, Expert, Format, SlotUnit, Subject
from stroydesk.workcalendar import selectors as workdays
from stroydesk.workcalendar.calendar import DayKind

MOSCOW = ZoneInfo("Europe/Moscow")
GRID = timedelta(minutes=15)
SHORT_DAY_CUT = timedelta(hours=1)


@dataclass(frozen=True)
class Slot:
    """A free time to book: start and end of the meeting, the expert, the format."""

    start: datetime
    end: datetime
    expert_id: int
    format: str


def expert_resource(expert_id: int) -> str:
    return f"expert:{expert_id}"


def room_resource(room_id: int) -> str:
    return f"room:{room_id}"


def quota_key(expert_id: int, subject_id: int, day: date) -> str:
    return f"quota:{expert_id}:{subject_id}:{day.isoformat()}"


def steps(start: datetime, end: datetime) -> Iterator[datetime]:
    """The grid steps that cover [start, end)."""
    t = start
    while t < end:
        yield t
        t += GRID


def expert_span(subject: Subject, start: datetime) -> tuple[datetime, datetime]:
    """What a meeting at ``start`` holds of the expert: the meeting and its buffers."""
    end = start + timedelta(minutes=subject.duration_minutes)
    return (
        start - timedelta(minutes=subject.buffer_before_minutes),
        end + timedelta(minutes=subject.buffer_after_minutes),
    )


def on_grid(moment: datetime) -> bool:
    local = moment.astimezone(MOSCOW)
    return local.second == 0 and local.microsecond == 0 and local.minute % 15 == 0


def day_windows(
    hours: Iterable[tuple[int, time, time]], day: date
) -> list[tuple[datetime, datetime]]:
    """The expert's working windows on ``day`` (aware, Moscow): none on a day off."""
    if not workdays.is_working_day(day):
        return []
    windows = sorted(
        (datetime.combine(day, s, MOSCOW), datetime.combine(day, e, MOSCOW))
        for weekday, s, e in hours
        if weekday == day.weekday()
    )
    special = workdays.special_day(day)
    if windows and special is not None and special.kind == DayKind.SHORT_DAY:
        last_start, last_end = windows[-1]
        windows[-1] = (last_start, max(last_start, last_end - SHORT_DAY_CUT))
    return [(s, e) for s, e in windows if s < e]


class Rules:
    """The rules and the holdings needed to compute one subject's slots over a date range,
    loaded in a few queries."""

    def __init__(
        self, *, subject: Subject, fmt: str, experts: list[Expert], first: date, last: date
    ) -> None:
        self.subject = subject
        self.format = fmt
        self.experts = experts
        ids = [e.pk for e in experts]
        self.hours: dict[int, list[tuple[int, time, time]]] = defaultdict(list)
        for expert in experts:
            for row in expert.hours.all():
                self.hours[expert.pk].append((row.weekday, row.start, row.end))
        lo = datetime.combine(first, time.min, MOSCOW) - timedelta(days=1)
        hi = datetime.combine(last, time.max, MOSCOW) + timedelta(days=1)
        self.absences: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for a in Absence.objects.filter(expert_id__in=ids, end__gt=lo, start__lt=hi):
            self.absences[a.expert_id].append((a.start, a.end))
        resources = [expert_resource(i) for i in ids]
        if fmt == Format.IN_PERSON:
            resources += [room_resource(e.room_id) for e in experts if e.room_id]
        self.held = set(
            SlotUnit.objects.filter(
                resource__in=resources, start__gte=lo, start__lte=hi
            ).values_list("resource", "start")
        )
        keys = [
            quota_key(i, subject.pk, first + timedelta(days=n))
            for i in ids
            for n in range((last - first).days + 1)
        ]
        self.quota_used: dict[str, int] = defaultdict(int)
        for key in Claim.objects.filter(key__in=keys).values_list("key", flat=True):
            self.quota_used[key] += 1

    def candidates(self, expert: Expert, day: date) -> Iterator[datetime]:
        """Starts on the grid at which the meeting fits the expert's hours on ``day``."""
        duration = timedelta(minutes=self.subject.duration_minutes)
        for w_start, w_end in day_windows(self.hours[expert.pk], day):
            t = w_start
            while t + duration <= w_end:
                yield t
                t += GRID

    def refusal(self, expert: Expert, start: datetime, *, now: datetime) -> str | None:
        """Why ``start`` is not bookable with the expert by the rules (not counting what is
        held), or None."""
        subject = self.subject
        day = start.astimezone(MOSCOW).date()
        if start <= now:
            return _("The time is in the past.")
        if not on_grid(start):
            return _("Consultations start on the quarter hour.")
        if not expert.offers(self.format):
            return _("The expert does not hold consultations in this format.")
        if not workdays.is_working_day(day):
            return _("The day is a day off under the production calendar.")
        if start not in set(self.candidates(expert, day)):
            return _("The time is outside the expert's working hours.")
        if start < now + timedelta(minutes=subject.min_notice_minutes):
            return _("It is too late to book this time: book at least %(hours)s h ahead.") % {
                "hours": _hours(subject.min_notice_minutes)
            }
        if day > now.astimezone(MOSCOW).date() + timedelta(days=subject.horizon_days):
            return _("Bookings are open only %(days)d days ahead.") % {"days": subject.horizon_days}
        end = start + timedelta(minutes=subject.duration_minutes)
        if any(a < end and start < b for a, b in self.absences[expert.pk]):
            return _("The expert is away at this time.")
        return None

    def is_free(self, expert: Expert, start: datetime) -> bool:
        """Whether nothing held stands in the way (expert's steps, the room, the day's quota)."""
        subject = self.subject
        lo, hi = expert_span(subject, start)
        resource = expert_resource(expert.pk)
        if any((resource, t) in self.held for t in steps(lo, hi)):
            return False
        if self.format == Format.IN_PERSON and expert.room_id:
            room = room_resource(expert.room_id)
            end = start + timedelta(minutes=subject.duration_minutes)
            if any((room, t) in self.held for t in steps(start, end)):
                return False
        day = start.astimezone(MOSCOW).date()
        return self.quota_used[quota_key(expert.pk, subject.pk, day)] < subject.daily_quota

    def free_slots(self, first: date, last: date, *, now: datetime) -> list[Slot]:
        duration = timedelta(minutes=self.subject.duration_minutes)
        found: dict[tuple[datetime, int], Slot] = {}
        day = first
        while day <= last:
            for expert in self.experts:
                for start in self.candidates(expert, day):
                    if self.refusal(expert, start, now=now) is None and self.is_free(expert, start):
                        found[(start, expert.pk)] = Slot(
                            start, start + duration, expert.pk, self.format
                        )
            day += timedelta(days=1)
        return [found[k] for k in sorted(found)]


def _hours(minutes: int) -> str:
    value = minutes / 60
    return f"{value:g}"


def experts_for(subject: Subject, fmt: str) -> list[Expert]:
    """Active experts who consult on the subject in the format, with their hours."""
    experts = (
        Expert.objects.filter(subjects=subject, is_active=True)
        .select_related("user", "room__office")
        .prefetch_related("hours")
        .order_by("pk")
    )
    return [e for e in experts if e.offers(fmt)]


def free_slots(
    *,
    subject: Subject,
    fmt: str,
    first: date,
    last: date,
    expert: Expert | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The free slots of the subject in the format between two dates (inclusive, Moscow)."""
    now = now or timezone.now()
    experts = [expert] if expert is not None else experts_for(subject, fmt)
    if not experts or fmt not in subject.formats:
        return []
    rules = Rules(subject=subject, fmt=fmt, experts=experts, first=first, last=last)
    return rules.free_slots(first, last, now=now)


def next_free_slots(
    *, subject: Subject, fmt: str, after: datetime, count: int = 5, now: datetime | None = None
) -> list[Slot]:
    """The first ``count`` free slots from ``after`` on (the offer that comes with a 409)."""
    now = now or timezone.now()
    first = max(after, now).astimezone(MOSCOW).date()
    last = now.astimezone(MOSCOW).date() + timedelta(days=subject.horizon_days)
    found: list[Slot] = []
    while first <= last and len(found) < count:
        chunk_end = min(last, first + timedelta(days=6))
        found += [
            s
            for s in free_slots(subject=subject, fmt=fmt, first=first, last=chunk_end, now=now)
            if s.start >= after
        ]
        first = chunk_end + timedelta(days=1)
    return found[:count]


def in_zone(moment: datetime, zone: str) -> datetime:
    """The moment in the applicant's zone (an IANA name; Moscow if unknown)."""
    try:
        return moment.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        return moment.astimezone(MOSCOW)
