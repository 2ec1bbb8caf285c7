"""Pages of the relocation service: the family's (bind, order, follow, ask) and the
dispatcher's (day plan, confirmations, heat-map, route sheets, import, statistics)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from stroydesk.accounts.models import User
from stroydesk.relocation import lifecycle, selectors, services
from stroydesk.relocation.forms import AskForm, BindForm, OrderForm, RescheduleForm, split_slot
from stroydesk.web.views import AuthedRequest, form_step, role_required, step
from stroydesk.workcalendar.selectors import moscow_date

RESIDENT = role_required(User.Role.APPLICANT)
LOOKAHEAD_DAYS = 60


def dispatcher_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Dispatchers, supervisors and administrators; others sign in first or get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.may_dispatch(request.user):
            raise PermissionDenied(gettext("This page is for the relocation dispatchers."))
        return view(request, *args, **kwargs)

    return wrapped


def _today() -> date:
    return moscow_date(timezone.now())


def _slots(household: Any) -> list[Any]:
    today = _today()
    return selectors.free_windows(
        household=household, start=today, end=today + timedelta(days=LOOKAHEAD_DAYS), today=today
    )


# --- The family ------------------------------------------------------------------------------


def _home(request: AuthedRequest, *, bind: Any = None, order: Any = None) -> Any:
    household = selectors.household_of(user=request.user)
    context: dict[str, Any] = {"household": household}
    if household is None:
        context["bind_form"] = bind or BindForm()
    else:
        context["orders"] = selectors.order_list_for(user=request.user).order_by("-id")
        context["order_form"] = order or OrderForm(slots=_slots(household))
    return render(request, "relocation/home.html", context)


@RESIDENT
def home(request: AuthedRequest) -> HttpResponse:
    return _home(request)


@RESIDENT
@require_POST
def bind(request: AuthedRequest) -> HttpResponse:
    form = BindForm(request.POST)
    return form_step(
        request,
        form=form,
        call=lambda d: services.household_bind(
            user=request.user, old_building_id=d["old_building"].pk, flat=d["flat"], code=d["code"]
        ),
        success=_("Your account is bound to the flat."),
        back_to=reverse("relocation:home"),
        rerender=lambda f: _home(request, bind=f),
    )


@RESIDENT
@require_POST
def order_new(request: AuthedRequest) -> HttpResponse:
    household = selectors.household_of(user=request.user)
    form = OrderForm(request.POST, slots=_slots(household) if household else [])
    return form_step(
        request,
        form=form,
        call=lambda d: services.order_create(
            by=request.user, kind=d["kind"], details=form.details(), **_slot(d["slot"])
        ),
        success=_("Your order is taken. The dispatcher will confirm it."),
        back_to=reverse("relocation:home"),
        rerender=lambda f: _home(request, order=f),
    )


def _slot(value: str) -> dict[str, Any]:
    day, window = split_slot(value)
    return {"day": day, "window": window}


def _order_page(request: AuthedRequest, pk: int, **forms: Any) -> HttpResponse:
    order = selectors.order_get_for(user=request.user, pk=pk)
    actor = "dispatcher" if selectors.may_dispatch(request.user) else "resident"
    return render(
        request,
        "relocation/order.html",
        {
            "order": order,
            "history": order.history.select_related("actor"),
            "labels": lifecycle.EVENT_LABELS,
            "allowed": lifecycle.allowed_actions(order=order, actor=actor),
            "requests": selectors.order_requests(order=order),
            "reschedule_form": forms.get("reschedule") or _reschedule_form(order),
            "ask_form": forms.get("ask") or AskForm(),
            "is_resident": actor == "resident",
        },
    )


def _other_slots(order: Any) -> list[Any]:
    return [s for s in _slots(order.household) if (s.date, s.window) != (order.date, order.window)]


def _reschedule_form(order: Any, data: Any = None) -> RescheduleForm:
    return RescheduleForm(data, slots=_other_slots(order))


@RESIDENT
def order_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _order_page(request, pk)


@RESIDENT
@require_POST
def order_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for(user=request.user, pk=pk)
    return step(
        request,
        call=lambda: services.order_cancel(order=order, by=request.user),
        success=_("The order is cancelled."),
        back_to=reverse("relocation:order", args=[pk]),
    )


@RESIDENT
@require_POST
def order_reschedule(request: AuthedRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for(user=request.user, pk=pk)
    return form_step(
        request,
        form=_reschedule_form(order, request.POST),
        call=lambda d: services.order_reschedule(order=order, by=request.user, **_slot(d["slot"])),
        success=_("The order is moved to the new day. The dispatcher will confirm it."),
        back_to=reverse("relocation:order", args=[pk]),
        rerender=lambda f: _order_page(request, pk, reschedule=f),
    )


@RESIDENT
@require_POST
def order_ask(request: AuthedRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for(user=request.user, pk=pk)
    return form_step(
        request,
        form=AskForm(request.POST),
        call=lambda d: services.order_ask(order=order, by=request.user, **d),
        success=_("Your question is registered in the contact center."),
        back_to=reverse("relocation:order", args=[pk]),
        rerender=lambda f: _order_page(request, pk, ask=f),
    )
