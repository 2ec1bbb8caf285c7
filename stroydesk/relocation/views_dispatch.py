"""The dispatcher's workspace: the day plan by district and crew, orders to confirm, the
capacity heat-map, route sheets (PDF), the import of the resettlement list, the statistics."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from stroydesk.accounts.models import User
from stroydesk.relocation import importer, lifecycle, routesheet, selectors, services
from stroydesk.relocation.forms import ConfirmForm, DayForm, ImportForm
from stroydesk.relocation.views import _today, dispatcher_required
from stroydesk.web.views import AuthedRequest, role_required, step

SUCCESS = {
    "confirm": _("The order is confirmed."),
    "deliver": _("Materials marked delivered."),
    "move": _("The move is marked done."),
    "close": _("The order is closed."),
    "cancel": _("The order is cancelled."),
}


@dispatcher_required
def plan(request: AuthedRequest) -> HttpResponse:
    form = DayForm(request.GET or None)
    day = _today() + timedelta(days=1)
    district = ""
    if form.is_valid():
        day = form.cleaned_data["date"] or day
        district = form.cleaned_data["district"]
    # nearest day first, so pages by number rather than the newest-first cursor
    waiting = Paginator(selectors.orders_to_confirm(), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "relocation/dispatch.html",
        {
            "form": form,
            "day": day,
            "district": district,
            "plan": selectors.day_plan(day=day, district=district),
            "waiting": waiting,
            "confirm_form": ConfirmForm(),
            "actions": lifecycle.DISPATCH_ACTIONS,
            "labels": lifecycle.ACTION_LABELS,
        },
    )


@dispatcher_required
@require_POST
def order_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    order = selectors.order_get_for(user=request.user, pk=pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("relocation:plan")
    if action == "confirm":
        form = ConfirmForm(request.POST)
        crew = form.cleaned_data["crew"] if form.is_valid() else None
        call = lambda: services.order_confirm(order=order, by=request.user, crew=crew)  # noqa: E731
    elif action == "cancel":
        call = lambda: services.order_cancel(order=order, by=request.user)  # noqa: E731
    else:
        call = lambda: services.order_step(order=order, by=request.user, action=action)  # noqa: E731
    return step(request, call=call, success=SUCCESS.get(action, ""), back_to=back)


@dispatcher_required
def heatmap(request: AuthedRequest) -> HttpResponse:
    data = selectors.heat_map(start=_today(), weeks=6)
    return render(request, "relocation/heatmap.html", {"map": data})


@dispatcher_required
def route_sheet(request: AuthedRequest, crew: int, day: str) -> HttpResponse:
    team = selectors.crew_get(pk=crew)
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    pdf = routesheet.render(crew=team, day=when, orders=selectors.crew_orders(crew=team, day=when))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="route-{team.pk}-{when.isoformat()}.pdf"'
    return response


@dispatcher_required
def import_list(request: AuthedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = importer.households_import(
            raw=upload.read(importer.MAX_BYTES + 1),
            filename=upload.name,
            encoding=form.cleaned_data["encoding"],
        )
        status = 200 if report.ok else 422
    response = render(request, "relocation/import.html", {"form": form, "report": report})
    response.status_code = status
    return response


@role_required(User.Role.SUPERVISOR, User.Role.ADMIN)
def stats(request: AuthedRequest) -> HttpResponse:
    end = _today() + timedelta(days=60)
    start = _today() - timedelta(days=120)
    figures = selectors.relocation_figures(start=start, end=end)
    return render(
        request, "relocation/stats.html", {"figures": figures, "start": start, "end": end}
    )
