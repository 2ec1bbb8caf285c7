"""The supervisor's pages: deadlines at risk, workload, and who read whose personal data."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stroydesk.accounts.models import User
from stroydesk.cases import selectors as cases
from stroydesk.portal import desk_forms as f
from stroydesk.portal import selectors
from stroydesk.portal.views.desk import assign_and_tell
from stroydesk.web.views import AuthedRequest, form_step, role_required

supervisor_only = role_required(User.Role.SUPERVISOR, User.Role.ADMIN)


@supervisor_only
@require_GET
def board(request: AuthedRequest) -> HttpResponse:
    """Overdue escalations and those due by the end of the next working day."""
    return _board_page(request)


@supervisor_only
@require_POST
def board_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    """Hand a late or risky request to another operator without leaving the board."""
    case = cases.request_get_for(user=request.user, pk=pk)
    return form_step(
        request,
        form=f.AssignForm(request.POST),
        call=lambda d: assign_and_tell(request, case, d["operator"]),
        success="",
        back_to=reverse("portal:board"),
        rerender=lambda form: _board_page(request, failed=(case.pk, form)),
    )


def _board_page(request: AuthedRequest, failed: tuple[int, Form] | None = None) -> HttpResponse:
    """The board; a refused reassignment shows its error and the choice next to its row."""
    now = timezone.now()
    context: dict[str, Any] = {
        **selectors.board(user=request.user, now=now),
        "now": now,
        "assignees": f.assignee_choices(),
        "failed": None,
    }
    if failed is not None:
        pk, form = failed
        messages.error(request, _("Please correct the marked fields."))
        context["failed"] = {
            "pk": pk,
            "chosen": form.data.get("operator", ""),
            "errors": form.errors.get("operator") or form.non_field_errors(),
        }
    return render(request, "portal/supervisor/board.html", context)


@supervisor_only
@require_GET
def workload(request: AuthedRequest) -> HttpResponse:
    return render(request, "portal/supervisor/workload.html", selectors.workload(user=request.user))


@supervisor_only
@require_GET
def audit(request: AuthedRequest) -> HttpResponse:
    """The personal-data access trail, narrowed by staff login or applicant."""
    form = f.AuditForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    page = selectors.access_log_page(
        cursor=data.get("cursor", ""),
        actor=data.get("actor", ""),
        applicant_id=data.get("applicant"),
    )
    return render(request, "portal/supervisor/audit.html", {"form": form, "page": page})
