"""The specialist's workspace: the escalations of their authority, and answering them."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from stroydesk.accounts.models import User
from stroydesk.cases import selectors as cases
from stroydesk.cases import services as lifecycle
from stroydesk.cases.models import Request
from stroydesk.directory.selectors import authority_of
from stroydesk.portal import desk_forms as f
from stroydesk.portal import selectors
from stroydesk.portal.views.steps import card_step_view
from stroydesk.web.views import AuthedRequest, role_required

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


def _to_inbox(case: Request) -> str:
    return reverse("portal:authority_inbox")


def _to_card(case: Request) -> str:
    return reverse("portal:authority_card", args=[case.pk])


_authority_step = partial(card_step_view, gate=specialist_only, again=_again, back_to=_to_inbox)


# The card's steps (urls.py names them).
answer = _authority_step(
    form_class=f.AuthorityAnswerForm,
    command=lifecycle.request_authority_answer,
    success=gettext_lazy("The answer is sent to the contact center for review."),
    key="answer_form",
)
# Ask the contact center about the request; the answer stays due on the same date.
query = _authority_step(
    form_class=f.AuthorityQueryForm,
    command=lifecycle.request_authority_query,
    success=gettext_lazy(
        "The question is sent to the contact center. The answer stays due on time."
    ),
    key="query_form",
    back_to=_to_card,
)
decline = _authority_step(
    form_class=f.DeclineForm,
    command=lifecycle.request_decline,
    success=gettext_lazy("The request is returned to the contact center."),
    key="decline_form",
)
