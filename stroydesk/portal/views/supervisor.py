"""The supervisor's pages: deadlines at risk, workload, and who read whose personal data."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from stroydesk.accounts.models import User
from stroydesk.portal import desk_forms as f
from stroydesk.portal import selectors
from stroydesk.web.views import AuthedRequest, role_required

supervisor_only = role_required(User.Role.SUPERVISOR, User.Role.ADMIN)


@supervisor_only
@require_GET
def board(request: AuthedRequest) -> HttpResponse:
    """Overdue escalations and those due by the end of the next working day."""
    return _board_page(request)


def _board_page(request: AuthedRequest) -> HttpResponse:
    """The board; the ticked rows go to another operator through the queue's bulk assignment,
    which comes back here with what was done and what was refused."""
    now = timezone.now()
    context: dict[str, Any] = {
        **selectors.board(user=request.user, now=now),
        "now": now,
        "assign_form": f.BulkAssignForm(),
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
