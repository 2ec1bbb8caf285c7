"""Queries of the procedures app: the catalogue in force (cached), plans computed from it, and
the saved plans a user may see.

The catalogue is read from the database once and kept in the cache until a service changes it
(``catalogue_forget``), so an admin's edit shows in the next calculation and a plan costs no
query once warm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from stroydesk.accounts.models import User
from stroydesk.directory.selectors import authority_list
from stroydesk.workcalendar.calendar import CalendarRangeError, format_years
from stroydesk.workcalendar.selectors import get_calendar

from .catalogue import ProcedureSpec
from .loading import read_catalogue
from .models import PlanRequestLink, Procedure, SavedPlan
from .planner import Comparison, Plan, PlanError, compare, make_plan
from .rules import Profile, profile_conflicts

CACHE_KEY = "procedures:catalogue:v1"
STAFF_ROLES = frozenset({User.Role.OPERATOR, User.Role.SUPERVISOR, User.Role.ADMIN})


def catalogue_specs() -> tuple[ProcedureSpec, ...]:
    """The procedures in force, in catalogue order (cached until the catalogue changes)."""
    specs = cache.get(CACHE_KEY)
    if specs is None:
        specs = tuple(p.to_spec() for p in Procedure.objects.all())
        if not specs:
            # Nothing loaded yet (a fresh or flushed database): the file's catalogue is in force
            # until ``procedures_load`` (or the migration) puts it in the tables.
            specs = tuple(read_catalogue()[1])
        cache.set(CACHE_KEY, specs, None)
    return specs


def authority_names() -> dict[str, str]:
    """Directory code → short name, so that a renamed authority shows its current name."""
    key = CACHE_KEY + ":authorities"
    names = cache.get(key)
    if names is None:
        names = {a.code: a.short_name for a in authority_list(active_only=False)}
        cache.set(key, names, 300)
    return names


def authority_of(spec: ProcedureSpec) -> str:
    return authority_names().get(spec.authority_code) or spec.authority_name


def title_of(spec: ProcedureSpec) -> str:
    return spec.title_en if (get_language() or "ru").startswith("en") else spec.title_ru


def reason_of(spec: ProcedureSpec) -> str:
    return spec.reason_en if (get_language() or "ru").startswith("en") else spec.reason_ru


def profile_check(profile: Profile) -> None:
    """A ValidationError naming every contradiction, under the fields to fix."""
    conflicts = profile_conflicts(profile)
    if conflicts:
        errors: dict[str, list[str]] = {}
        for conflict in conflicts:
            errors.setdefault(conflict.fields[-1], []).append(_(conflict.message))
        raise ValidationError(errors)


def _translate_plan_errors(call: Any) -> Any:
    try:
        return call()
    except CalendarRangeError as exc:
        raise ValidationError(
            {
                "start_date": [
                    _(
                        "The plan needs the production calendar of %(year)s, which is not "
                        "loaded; the calendar covers %(years)s."
                    )
                    % {"year": exc.year, "years": format_years(exc.covered)}
                ]
            }
        ) from None
    except PlanError as exc:
        messages = {
            "not_in_plan": _("%(code)s is not in this plan."),
            "required": _("%(code)s is required for this profile and cannot be left out."),
        }
        message = messages[exc.kind] % {"code": exc.code} if exc.kind in messages else str(exc)
        raise ValidationError({"drop": [message]}) from None


def plan_compute(
    *, profile: Profile | Mapping[str, Any], start_date: date, drop: Iterable[str] = ()
) -> Plan:
    """The plan for a profile from a start date; ValidationError for bad or contradictory input."""
    if not isinstance(profile, Profile):
        profile = Profile.from_dict(profile)
    profile_check(profile)
    specs, calendar = catalogue_specs(), get_calendar()
    return _translate_plan_errors(
        lambda: make_plan(specs, profile, start_date, calendar, drop=tuple(drop))
    )


def plan_compare(
    *,
    a: Profile,
    b: Profile,
    start_date: date,
    drop_a: Iterable[str] = (),
    drop_b: Iterable[str] = (),
) -> Comparison:
    """What-if: the second profile (or the same one without optional steps) against the first."""
    for p in (a, b):
        profile_check(p)
    specs, calendar = catalogue_specs(), get_calendar()
    return _translate_plan_errors(
        lambda: compare(
            specs, a, b, start_date, calendar, drop_a=tuple(drop_a), drop_b=tuple(drop_b)
        )
    )


def saved_plan_compute(plan: SavedPlan) -> Plan:
    """A saved plan recomputed with today's catalogue and calendar."""
    return plan_compute(profile=plan.profile, start_date=plan.start_date, drop=plan.drop or ())


def plan_list_for(*, user: User) -> QuerySet[SavedPlan]:
    """The user's own saved plans, newest first."""
    return SavedPlan.objects.filter(owner=user)


def plan_get_for(*, user: User, pk: int) -> SavedPlan:
    """A saved plan the user may see, else 404.

    The owner sees their plans; operators, supervisors and administrators see a plan once it is
    attached to a request of the contact center (the applicant chose to show it). Consultations
    may call this for an expert later; extend the rule here, nowhere else.
    """
    if not user.is_authenticated:
        raise Http404
    qs = SavedPlan.objects.filter(pk=pk)
    if user.role in STAFF_ROLES:
        qs = qs.filter(owner=user) | qs.filter(requests__isnull=False)
    else:
        qs = qs.filter(owner=user)
    plan = qs.select_related("owner").distinct().first()
    if plan is None:
        raise Http404
    return plan


def plans_for_request(*, request_id: int) -> list[SavedPlan]:
    """The plans attached to a request (for the operator who reads it)."""
    return list(
        SavedPlan.objects.filter(requests__request_id=request_id).order_by("-created_at", "-id")
    )


def plan_request_ids(*, plan: SavedPlan) -> list[int]:
    return list(PlanRequestLink.objects.filter(plan=plan).values_list("request_id", flat=True))
