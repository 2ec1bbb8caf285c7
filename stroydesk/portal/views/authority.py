"""The specialist's workspace: the escalations of their authority, and answering them."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stroydesk.accounts.models import User
from stroydesk.cases import selectors as cases
from stroydesk.cases import services as lifecycle
from stroydesk.cases.models import Request
from stroydesk.directory.selectors import authority_of
from stroydesk.portal import desk_forms as f
from stroydesk.portal import selectors
from stroydesk.web.views import AuthedRequest, form_step, role_required

specialist_only = role_required(User.Role.SPECIALIST)


@specialist_only
@require_GET
def inbox(request: AuthedRequest) -> HttpResponse:
    """Open escalations, the most urgent first, coloured by the working days left."""
    return render(
        request,
        "portal/authority/inbox.html",
        {
            "authority": authority_of(user=request.user),
            "escalations": selectors.authority_inbox(user=request.user),
            "recent": selectors.authority_recent(user=request.user),
        },
    )


@specialist_only
@require_GET
def card(request: AuthedRequest, pk: int) -> HttpResponse:
    case = cases.request_get_for(user=request.user, pk=pk)
    return render(request, "portal/authority/card.html", _context(request, case))


def _context(request: AuthedRequest, case: Request, **forms: Any) -> dict[str, Any]:
    return {
        "case": case,
        **selectors.authority_card(user=request.user, request=case),
        "answer_form": forms.get("answer_form") or f.AuthorityAnswerForm(),
        "decline_form": forms.get("decline_form") or f.DeclineForm(),
        "query_form": forms.get("query_form") or f.AuthorityQueryForm(),
    }


def _again(request: AuthedRequest, case: Request, key: str) -> Any:
    def rerender(form: Any) -> HttpResponse:
        fresh = cases.request_get_for(user=request.user, pk=case.pk)
        return render(
            request, "portal/authority/card.html", _context(request, fresh, **{key: form})
        )

    return rerender


@specialist_only
@require_POST
def answer(request: AuthedRequest, pk: int) -> HttpResponse:
    case = cases.request_get_for(user=request.user, pk=pk)
    return form_step(
        request,
        form=f.AuthorityAnswerForm(request.POST),
        call=lambda d: lifecycle.request_authority_answer(
            request=case, by=request.user, text=d["text"]
        ),
        success=_("The answer is sent to the contact center for review."),
        back_to=reverse("portal:authority_inbox"),
        rerender=_again(request, case, "answer_form"),
    )


@specialist_only
@require_POST
def query(request: AuthedRequest, pk: int) -> HttpResponse:
    """Ask the contact center about the request; the answer stays due on the same date."""
    case = cases.request_get_for(user=request.user, pk=pk)
    return form_step(
        request,
        form=f.AuthorityQueryForm(request.POST),
        call=lambda d: lifecycle.request_authority_query(
            request=case, by=request.user, question=d["question"]
        ),
        success=_("The question is sent to the contact center. The answer stays due on time."),
        back_to=reverse("portal:authority_card", args=[case.pk]),
        rerender=_again(request, case, "query_form"),
    )


@specialist_only
@require_POST
def decline(request: AuthedRequest, pk: int) -> HttpResponse:
    case = cases.request_get_for(user=request.user, pk=pk)
    return form_step(
        request,
        form=f.DeclineForm(request.POST),
        call=lambda d: lifecycle.request_decline(request=case, by=request.user, reason=d["reason"]),
        success=_("The request is returned to the contact center."),
        back_to=reverse("portal:authority_inbox"),
        rerender=_again(request, case, "decline_form"),
    )
