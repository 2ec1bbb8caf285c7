"""The views of a card's steps that take one form: one made per row of a view's table.

Each is the same four moves (find the request the user may see, read the form, call the step's
command with the form's fields as its arguments, answer with the message or the form again), so
the desk and the authority's card list their steps instead of writing each view out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms import Form
from django.http import HttpResponse
from django.views.decorators.http import require_POST

from stroydesk.cases import selectors as cases
from stroydesk.cases.models import Request
from stroydesk.web.views import AuthedRequest, form_step

Rerender = Callable[[AuthedRequest, Request, str], Callable[[Form], HttpResponse]]


def card_step_view(
    *,
    gate: Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]],
    form_class: type[Form],
    command: Callable[..., Any],
    success: Any,
    back_to: Callable[[Request], str],
    again: Rerender,
    key: str,
) -> Callable[..., HttpResponse]:
    """A POST view for one step: ``command(request=…, by=…, **form data)``; ``key`` names the
    form in the card's context when it comes back with errors."""

    @gate
    @require_POST
    def view(request: AuthedRequest, pk: int) -> HttpResponse:
        case = cases.request_get_for(user=request.user, pk=pk)
        return form_step(
            request,
            form=form_class(request.POST),
            call=lambda data: command(request=case, by=request.user, **data),
            success=success,
            back_to=back_to(case),
            rerender=again(request, case, key),
        )

    return view
