"""The planner: from a profile and a start date to a dated plan on the production calendar.

Pure Python, no ORM: it takes the catalogue as ``ProcedureSpec`` values and any calendar object
with ``add_working_days`` / ``is_working_day`` / ``working_days_between`` / ``check_covered``
(``workcalendar.calendar.ProductionCalendar``), so tests and benchmarks run it on plain values.

Terms: a term of n working days that starts on day S ends on the n-th working day after S (the
rule of the 4-day answer); a term of n calendar days ends n days after S, moved to the next
working day when that is a day off (Civil Code Art. 193). A step starts on the day the last of
its dependencies ends (the result arrives and the next application is filed the same day).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from .catalogue import WORKING_DAYS, ProcedureSpec
from .rules import Profile, applies


class Calendar(Protocol):
    def add_working_days(self, d: date, n: int) -> date: ...
    def working_days_between(self, a: date, b: date) -> int: ...
    def check_covered(self, *years: int) -> None: ...


class PlanError(ValueError):
    """The plan cannot be made as asked: ``code`` names the step, ``kind`` says why
    (``not_in_plan`` or ``required``), so that the caller can word it in the user's language."""

    def __init__(self, message: str, *, code: str = "", kind: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind


@dataclass(frozen=True)
class Step:
    """One procedure of a plan with its dates, in its own unit."""

    spec: ProcedureSpec
    start: date
    end: date
    duration: int
    depends_on: tuple[str, ...]
    optional: bool

    @property
    def code(self) -> str:
        return self.spec.code


@dataclass(frozen=True)
class Plan:
    """A schedule and what follows from it: finish, totals, critical path, fees, documents."""

    profile: Profile
    start_date: date
    steps: tuple[Step, ...]
    finish: date
    total_working_days: int
    total_calendar_days: int
    critical_path: tuple[str, ...]
    fees_total: int
    fees_unpriced: tuple[str, ...]
    documents: tuple[tuple[str, tuple[str, ...]], ...]
    dropped: tuple[str, ...] = ()

    def step(self, code: str) -> Step:
        return next(s for s in self.steps if s.code == code)

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.steps]


@dataclass(frozen=True)
class Comparison:
    """Two plans side by side; positive ``*_saved`` means plan B finishes earlier."""

    a: Plan
    b: Plan
    calendar_days_saved: int
    working_days_saved: int
    only_in_a: tuple[str, ...] = field(default=())
    only_in_b: tuple[str, ...] = field(default=())


def select(
    specs: Sequence[ProcedureSpec], profile: Profile
) -> tuple[list[ProcedureSpec], set[str]]:
    """The procedures that apply to the profile, and the codes of those it may drop."""
    chosen = [s for s in specs if applies(s.applies_when, profile)]
    optional = {
        s.code for s in chosen if s.optional_when is not None and applies(s.optional_when, profile)
    }
    return chosen, optional


def _effective_deps(
    code: str, by_code: dict[str, ProcedureSpec], keep: set[str], memo: dict[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """Dependencies among the kept steps: a left-out step passes on its own dependencies."""
    if code in memo:
        return memo[code]
    out: list[str] = []
    for dep in by_code[code].depends_on:
        found = (dep,) if dep in keep else _effective_deps(dep, by_code, keep, memo)
        out.extend(d for d in found if d not in out)
    memo[code] = tuple(out)
    return memo[code]


def _topological(chosen: list[ProcedureSpec], deps: dict[str, tuple[str, ...]]) -> list[str]:
    """Kahn's order, ties broken by the catalogue's order so that plans read the same each time."""
    position = {s.code: s.position for s in chosen}
    waiting = {code: len(d) for code, d in deps.items()}
    children: dict[str, list[str]] = {code: [] for code in deps}
    for code, d in deps.items():
        for dep in d:
            children[dep].append(code)
    ready = sorted((c for c, n in waiting.items() if n == 0), key=position.__getitem__)
    order: list[str] = []
    while ready:
        code = ready.pop(0)
        order.append(code)
        for child in children[code]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
        ready.sort(key=position.__getitem__)
    if len(order) != len(deps):  # the loader refuses cycles; this guards a hand-made list
        raise PlanError("the catalogue has a dependency cycle")
    return order


def _reduce(order: list[str], deps: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Drop a dependency that another dependency already implies (shown once, not twice)."""
    ancestors: dict[str, set[str]] = {}
    reduced: dict[str, tuple[str, ...]] = {}
    for code in order:
        direct = deps[code]
        implied: set[str] = set()
        for d in direct:
            implied |= ancestors[d]
        reduced[code] = tuple(d for d in direct if d not in implied)
        ancestors[code] = set(direct) | implied
    return reduced


def end_of_term(calendar: Calendar, start: date, n: int, unit: str) -> date:
    """The day a term of n units that starts on ``start`` ends (see the module's docstring)."""
    if n == 0:
        return start
    if unit == WORKING_DAYS:
        return calendar.add_working_days(start, n)
    # Civil Code Art. 193: a term ending on a day off ends on the next working day.
    return calendar.add_working_days(start + timedelta(days=n), 0)


def make_plan(
    specs: Sequence[ProcedureSpec],
    profile: Profile,
    start_date: date,
    calendar: Calendar,
    *,
    drop: Iterable[str] = (),
) -> Plan:
    """Schedule the procedures that apply to the profile from ``start_date``.

    ``drop`` leaves out optional steps (what-if); naming a step that is not optional here is a
    ``PlanError``. Dates outside the calendar's years raise its ``CalendarRangeError``.
    """
    calendar.check_covered(start_date.year)
    chosen, optional = select(specs, profile)
    drop = tuple(dict.fromkeys(drop))
    chosen_codes = {s.code for s in chosen}
    for code in drop:
        if code not in chosen_codes:
            raise PlanError(f"{code!r} is not in this plan", code=code, kind="not_in_plan")
        if code not in optional:
            raise PlanError(
                f"{code!r} is required for this profile and cannot be dropped",
                code=code,
                kind="required",
            )
    chosen = [s for s in chosen if s.code not in drop]
    by_code = {s.code: s for s in specs}
    keep = {s.code for s in chosen}
    memo: dict[str, tuple[str, ...]] = {}
    deps = {s.code: _effective_deps(s.code, by_code, keep, memo) for s in chosen}
    order = _topological(chosen, deps)
    deps = _reduce(order, deps)
    steps: dict[str, Step] = {}
    for code in order:
        spec = by_code[code]
        start = max((steps[d].end for d in deps[code]), default=start_date)
        duration = spec.term
        if spec.duration_from_profile:
            duration = max(0, int(getattr(profile, spec.duration_from_profile, 0) or 0))
        end = end_of_term(calendar, start, duration, spec.unit)
        steps[code] = Step(spec, start, end, duration, deps[code], code in optional)
    ordered = tuple(steps.values())
    finish = max((s.end for s in ordered), default=start_date)
    calendar.check_covered(finish.year)
    working = (
        calendar.working_days_between(start_date + timedelta(days=1), finish)
        if finish > start_date
        else 0
    )
    documents: dict[str, list[str]] = {}
    for s in ordered:
        for doc in s.spec.documents:
            documents.setdefault(doc, []).append(s.code)
    return Plan(
        profile=profile,
        start_date=start_date,
        steps=ordered,
        finish=finish,
        total_working_days=working,
        total_calendar_days=(finish - start_date).days,
        critical_path=_critical_path(ordered, steps, finish),
        fees_total=sum(s.spec.fee_rub or 0 for s in ordered),
        fees_unpriced=tuple(s.code for s in ordered if s.spec.fee_rub is None),
        documents=tuple((doc, tuple(codes)) for doc, codes in documents.items()),
        dropped=drop,
    )


def _critical_path(
    ordered: tuple[Step, ...], steps: dict[str, Step], finish: date
) -> tuple[str, ...]:
    """Back from the last step to finish, each time through the dependency that ended last."""
    if not ordered:
        return ()
    # Among steps ending on the finish day, the one scheduled last carries the longest chain.
    current = [s for s in ordered if s.end == finish][-1]
    path = [current.code]
    while current.depends_on:
        current = max(
            (steps[d] for d in current.depends_on),
            key=lambda s: (s.end, s.spec.position),
        )
        path.append(current.code)
    return tuple(reversed(path))


def compare(
    specs: Sequence[ProcedureSpec],
    a: Profile,
    b: Profile,
    start_date: date,
    calendar: Calendar,
    *,
    drop_a: Iterable[str] = (),
    drop_b: Iterable[str] = (),
) -> Comparison:
    """What-if: plan both profiles (or one profile with and without optional steps)."""
    plan_a = make_plan(specs, a, start_date, calendar, drop=drop_a)
    plan_b = make_plan(specs, b, start_date, calendar, drop=drop_b)
    codes_a, codes_b = plan_a.codes, plan_b.codes
    return Comparison(
        a=plan_a,
        b=plan_b,
        calendar_days_saved=plan_a.total_calendar_days - plan_b.total_calendar_days,
        working_days_saved=plan_a.total_working_days - plan_b.total_working_days,
        only_in_a=tuple(c for c in codes_a if c not in codes_b),
        only_in_b=tuple(c for c in codes_b if c not in codes_a),
    )
