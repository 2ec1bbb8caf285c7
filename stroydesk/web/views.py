"""What every web view shares: role checks, HTMX answers, and the services' refusals shown.

A service refusing an action (wrong status, someone else was faster) becomes a visible message:
for an HTMX request an HTTP 409 whose body replaces the page's message area, for a plain form a
message on the page it returns to. ``PermissionDenied`` is left to Django (403) and Http404 too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stroydesk.accounts.models import User
from stroydesk.core.errors import ConcurrentChange, Refused

CONFLICT = _("This step is not possible in the request's current state. The page shows it now.")
CONCURRENT = _("Someone else changed this request a moment ago. Look at it again and decide.")


class AuthedRequest(HttpRequest):
    """A request of a signed-in user: what the views behind ``role_required`` receive."""

    user: User


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX request for a fragment; restoring history after "back" needs the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def page_for(allowed: Callable[[User], bool]) -> Callable:
    """Let in only signed-in users for whom ``allowed`` holds: others sign in first, or get 403.

    The one rule of every app: a page of a role the user does not have answers 403 (the page
    is no secret); an object the user may not know exists answers 404 (its selector's
    ``…_get_for`` raises it), whatever their role.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(user):
                raise PermissionDenied(gettext("This page is not for your role."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def role_required(*roles: str) -> Callable:
    """Let in only signed-in users of these roles: others sign in first, or get 403."""
    return page_for(lambda user: user.role in roles)


def service_message(exc: Exception, fallback: Any) -> str:
    """The service's own message (the services translate it), or ours when it has none."""
    text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
    return text or str(fallback)


def conflict(request: HttpRequest, exc: Refused, back_to: str) -> HttpResponse:
    """Show why the step was refused: 409 into the message area for HTMX, else a message."""
    fallback = CONCURRENT if isinstance(exc, ConcurrentChange) else CONFLICT
    text = service_message(exc, fallback)
    if is_htmx(request):
        body = render_to_string(
            "portal/partials/messages.html",
            {"messages": [{"tags": "error", "text": text}]},
            request=request,
        )
        response = HttpResponse(body, status=409)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, text)
    return HttpResponseRedirect(back_to)


def done(request: HttpRequest, text: Any, to: str) -> HttpResponse:
    """After a successful step: a message and the page to show, also for an HTMX form."""
    if text:
        messages.success(request, text)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = to
        return response
    return HttpResponseRedirect(to)


def attach_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the form's fields (or above the form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, gettext(error))
    else:
        for error in exc.messages:
            form.add_error(None, gettext(error))


def form_step(
    request: HttpRequest,
    *,
    form: Form,
    call: Callable[[dict[str, Any]], Any],
    success: Any,
    back_to: str,
    rerender: Callable[[Form], HttpResponse],
) -> HttpResponse:
    """Validate a form, call one service with its data, and answer for the user.

    On success: the message and the page to go to. A refused step: the conflict message (409
    for HTMX). Field errors, also those the service found: the page again, with what was typed
    and the errors next to the fields (HTTP 422).
    """
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except Refused as exc:
            return conflict(request, exc, back_to)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            return done(request, success, back_to)
    response = rerender(form)
    response.status_code = 422
    return response


def step(
    request: HttpRequest, *, call: Callable[[], Any], success: Any, back_to: str
) -> HttpResponse:
    """A step without a form (take, close): done, or the reason it was refused."""
    try:
        call()
    except Refused as exc:
        return conflict(request, exc, back_to)
    except ValidationError as exc:
        messages.error(request, service_message(exc, CONFLICT))
        return done(request, "", back_to)
    return done(request, success, back_to)
