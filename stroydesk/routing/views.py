"""Routing on the operator's card (the suggestion panel and its confirmation) and the
supervisors' page of models and auto-routing figures."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stroydesk.accounts.models import User
from stroydesk.cases import selectors as cases
from stroydesk.cases.models import Request
from stroydesk.routing import selectors, services
from stroydesk.routing.forms import ConfirmForm
from stroydesk.web.views import AuthedRequest, form_step, role_required

R = User.Role
staff_only = role_required(R.OPERATOR, R.SUPERVISOR, R.ADMIN)
ROUTABLE = {Request.Status.REGISTERED, Request.Status.IN_PROGRESS}


def card_panel(*, user: User, request: Request, form: ConfirmForm | None = None) -> dict[str, Any]:
    """The context of the card's routing panel (``routing/partials/card_panel.html``)."""
    suggestion = selectors.suggestion_for_request(request=request)
    initial = {"topic": suggestion.topic, "authority": suggestion.authority}
    return {
        "suggestion": suggestion,
        "form": form or ConfirmForm(initial=initial),
        "authority_names": selectors.authority_names(),
        "may_escalate": request.status in ROUTABLE,
    }


@staff_only
@require_POST
def confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    """The operator confirms or corrects the suggestion (and may pass the request on)."""
    case = cases.request_get_for(user=request.user, pk=pk)
    form = ConfirmForm(request.POST)
    back = reverse("portal:desk_card", args=[case.pk])

    def call(data: dict[str, Any]) -> Any:
        return services.confirmation_record(
            request=case,
            by=request.user,
            topic=data["topic"],
            authority=data["authority"],
            suggestion=selectors.suggestion_for_request(request=case),
            escalate=data["escalate"],
        )

    def rerender(bad: Any) -> HttpResponse:
        context = {"case": case, "routing": card_panel(user=request.user, request=case, form=bad)}
        return render(request, "routing/confirm.html", context)

    return form_step(
        request,
        form=form,
        call=call,
        success=_("Recorded, thank you."),
        back_to=back,
        rerender=rerender,
    )


@role_required(R.SUPERVISOR, R.ADMIN)
@require_GET
def stats(request: AuthedRequest) -> HttpResponse:
    """Models with their figures, the share auto-routed and how often it was reassigned."""
    context = {
        "stats": selectors.routing_stats(days=30),
        "models": selectors.model_list(),
        "settings": services.settings_get(),
    }
    return render(request, "routing/stats.html", context)
