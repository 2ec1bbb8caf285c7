"""Commands of the procedures app: loading the catalogue, saving plans, asking about a plan."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from stroydesk.accounts.models import User
from stroydesk.cases.intake import IncomingFile, Intake, register_request
from stroydesk.cases.models import Request
from stroydesk.notifications.services import site_link

from . import selectors
from .catalogue import CatalogueError, check_catalogue
from .loading import DATA_FILE, read_catalogue, write_catalogue
from .models import CatalogueLoad, PlanRequestLink, Procedure, SavedPlan
from .rules import Profile


def catalogue_forget() -> None:
    """Drop the cached catalogue after the transaction that changed it commits."""
    transaction.on_commit(lambda: cache.delete(selectors.CACHE_KEY))


@transaction.atomic
def catalogue_load(*, path: Path = DATA_FILE, by: str = "") -> CatalogueLoad:
    """Replace the catalogue in force by the file's; a bad file changes nothing.

    The file is parsed and checked (dangling dependencies, cycles, rules) before any row is
    touched; ``ValidationError`` names the problem.
    """
    try:
        version, specs = read_catalogue(path)
    except CatalogueError as exc:
        raise ValidationError(
            _("The catalogue was not loaded: %(error)s") % {"error": exc}
        ) from None
    except (OSError, ValueError) as exc:
        raise ValidationError(
            _("The catalogue was not loaded: %(error)s") % {"error": exc}
        ) from None
    load = write_catalogue(Procedure, CatalogueLoad, version, specs, by)
    catalogue_forget()
    return load


def catalogue_version() -> str:
    last = CatalogueLoad.objects.order_by("-loaded_at", "-id").first()
    return last.version if last else ""


def procedure_check(*, procedure: Procedure) -> None:
    """Whether the catalogue stays schedulable with this row changed (admin form's check)."""
    others = [p.to_spec() for p in Procedure.objects.exclude(pk=procedure.pk)]
    try:
        check_catalogue([*others, procedure.to_spec()])
    except CatalogueError as exc:
        raise ValidationError(str(exc)) from None


@transaction.atomic
def procedure_save(*, procedure: Procedure) -> Procedure:
    """Save an edited procedure (admin) once the whole catalogue still checks."""
    procedure_check(procedure=procedure)
    procedure.save()
    catalogue_forget()
    return procedure


@transaction.atomic
def procedure_delete(*, procedure: Procedure) -> None:
    dependants = [
        p.code for p in Procedure.objects.exclude(pk=procedure.pk) if procedure.code in p.depends_on
    ]
    if dependants:
        raise ValidationError(
            _("%(code)s cannot be deleted: %(others)s depend on it.")
            % {"code": procedure.code, "others": ", ".join(dependants)}
        )
    procedure.delete()
    catalogue_forget()


@transaction.atomic
def plan_save(
    *,
    owner: User,
    profile: Mapping[str, Any],
    start_date: date,
    title: str,
    drop: Iterable[str] = (),
) -> SavedPlan:
    """Keep a plan in the applicant's account (its dates are recomputed on every view)."""
    if owner.role != User.Role.APPLICANT:
        raise PermissionDenied(_("Only applicants save plans."))
    checked = Profile.from_dict(profile)
    drop = list(drop)
    selectors.plan_compute(profile=checked, start_date=start_date, drop=drop)
    return SavedPlan.objects.create(
        owner=owner,
        title=(title or "").strip()[:200] or _("Plan from %(date)s") % {"date": start_date},
        profile=checked.as_dict(),
        start_date=start_date,
        drop=drop,
    )


@transaction.atomic
def plan_delete(*, plan: SavedPlan, by: User) -> None:
    if plan.owner_id != by.pk:
        raise PermissionDenied(_("Only the owner deletes a plan."))
    plan.delete()


@transaction.atomic
def plan_ask(*, plan: SavedPlan, by: User, question: str, pdf: bytes) -> Request:
    """Open a request of the contact center about the plan, with the plan's PDF attached.

    The request text carries the summary and a link to the plan; the link row lets the
    operators who read the request open the plan (``selectors.plan_get_for``).
    """
    if plan.owner_id != by.pk:
        raise PermissionDenied(_("Only the owner asks about a plan."))
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": [pgettext("procedures", "Write your question.")]})
    computed = selectors.saved_plan_compute(plan)
    summary = _(
        "Plan «%(title)s»: start %(start)s, finish %(finish)s, %(working)s working days, "
        "%(steps)s procedures. Critical path: %(path)s. The plan: %(link)s"
    ) % {
        "title": plan.title,
        "start": computed.start_date.isoformat(),
        "finish": computed.finish.isoformat(),
        "working": computed.total_working_days,
        "steps": len(computed.steps),
        "path": " → ".join(computed.critical_path),
        "link": site_link("procedures:saved", plan.pk),
    }
    request = register_request(
        intake=Intake(
            channel=Request.Channel.PORTAL,
            subject=(_("Question about the procedures plan «%(title)s»") % {"title": plan.title})[
                :200
            ],
            text=f"{question}\n\n{summary}",
            files=[IncomingFile(name=f"plan-{plan.pk}.pdf", size=len(pdf), file=io.BytesIO(pdf))],
        ),
        by=by,
    )
    PlanRequestLink.objects.get_or_create(plan=plan, request_id=request.pk)
    return request
