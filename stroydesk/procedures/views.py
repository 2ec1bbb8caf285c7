"""Pages of the calculator: the questions, the plan (table + Gantt), exports, what-if, saved
plans, and "ask about this plan". The plan is computed by ``selectors``; writes go through
``services``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stroydesk.accounts.models import User
from stroydesk.web.paging import newest_first_page
from stroydesk.web.views import AuthedRequest, attach_errors, form_step, is_htmx, role_required
from stroydesk.workcalendar.selectors import get_calendar

from . import exports, selectors, services
from .forms import AskForm, PlanForm, SaveForm
from .gantt import gantt
from .planner import Plan
from .rules import Profile

STAFF = (User.Role.OPERATOR, User.Role.SUPERVISOR, User.Role.ADMIN)


def _plan_context(plan: Plan, request: HttpRequest) -> dict[str, Any]:
    titles = {s.code: selectors.title_of(s.spec) for s in plan.steps}
    rows = [
        {
            "step": s,
            "title": titles[s.code],
            "authority": selectors.authority_of(s.spec),
            "reason": selectors.reason_of(s.spec),
            "critical": s.code in plan.critical_path,
        }
        for s in plan.steps
    ]
    return {"plan": plan, "rows": rows, "chart": gantt(plan, get_calendar(), titles)}


def _query(profile: Profile, start: date, **extra: Any) -> str:
    data = {**profile.as_dict(), "start_date": start.isoformat(), **extra}
    return urlencode(data, doseq=True)


def _computed(form: PlanForm, drop: list[str]) -> Plan | None:
    """The plan for a valid form, or None with the reason put on the form."""
    if not form.is_valid():
        return None
    try:
        return selectors.plan_compute(
            profile=form.profile(), start_date=form.cleaned_data["start_date"], drop=drop
        )
    except ValidationError as exc:
        attach_errors(form, exc)
        return None


def calculator(request: HttpRequest) -> HttpResponse:
    """The questions, and the plan under them once they are answered (HTMX swaps the plan)."""
    form = PlanForm(request.GET or None)
    drop = request.GET.getlist("drop")
    plan = _computed(form, drop) if request.GET else None
    context: dict[str, Any] = {"form": form, "save_form": SaveForm(), "drop": drop}
    if plan is not None:
        context.update(_plan_context(plan, request))
        context["query"] = _query(form.profile(), plan.start_date, drop=drop)
    template = (
        "procedures/partials/calculator_body.html"
        if is_htmx(request)
        else "procedures/calculator.html"
    )
    status = 422 if request.GET and plan is None else 200
    return render(request, template, context, status=status)


def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The plan of the query as XLSX or PDF."""
    form = PlanForm(request.GET)
    plan = _computed(form, request.GET.getlist("drop"))
    if plan is None:
        return HttpResponse(_("The profile is not valid."), status=400, content_type="text/plain")
    return _file(plan, fmt, "plan")


def _file(plan: Plan, fmt: str, name: str, title: str = "") -> HttpResponse:
    if fmt == "xlsx":
        body, kind = (
            exports.plan_xlsx(plan),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    else:
        body, kind = exports.plan_pdf(plan, title), "application/pdf"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def compare(request: HttpRequest) -> HttpResponse:
    """What-if: the plan of the query against the same plan changed by ``b_*`` / ``drop``."""
    form = PlanForm(request.GET)
    changed = request.GET.copy()
    for name, value in _overrides(request).items():
        changed.setlist(name, [value] if value else [])
    other = PlanForm(changed)
    if not (form.is_valid() and other.is_valid()):
        return render(request, "procedures/compare.html", {"form": form, "error": True}, status=422)
    try:
        result = selectors.plan_compare(
            a=form.profile(),
            b=other.profile(),
            start_date=form.cleaned_data["start_date"],
            drop_b=request.GET.getlist("drop"),
        )
    except ValidationError as exc:
        attach_errors(form, exc)
        return render(request, "procedures/compare.html", {"form": form, "error": True}, status=422)
    return render(request, "procedures/compare.html", {"form": form, "result": result})


def _overrides(request: HttpRequest) -> dict[str, Any]:
    return {k[2:]: v for k, v in request.GET.items() if k.startswith("b_")}


@require_POST
@role_required(User.Role.APPLICANT)
def save(request: AuthedRequest) -> HttpResponse:
    form = PlanForm(request.POST)
    save_form = SaveForm(request.POST)
    if not (form.is_valid() and save_form.is_valid()):
        return render(request, "procedures/calculator.html", {"form": form}, status=422)
    saved = services.plan_save(
        owner=request.user,
        profile=form.profile().as_dict(),
        start_date=form.cleaned_data["start_date"],
        title=save_form.cleaned_data["title"],
        drop=request.POST.getlist("drop"),
    )
    return redirect("procedures:saved", saved.pk)


@role_required(User.Role.APPLICANT)
def saved_list(request: AuthedRequest) -> HttpResponse:
    page = newest_first_page(
        selectors.plan_list_for(user=request.user), cursor=request.GET.get("cursor", ""), size=20
    )
    return render(request, "procedures/saved_list.html", {"page": page})


@role_required(User.Role.APPLICANT, *STAFF)
def saved_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    saved = selectors.plan_get_for(user=request.user, pk=pk)
    plan = selectors.saved_plan_compute(saved)
    context = _plan_context(plan, request)
    context.update(
        saved=saved,
        ask_form=AskForm(),
        request_ids=selectors.plan_request_ids(plan=saved),
        query=_query(Profile.from_dict(saved.profile), saved.start_date, drop=saved.drop),
    )
    return render(request, "procedures/saved_detail.html", context)


@role_required(User.Role.APPLICANT, *STAFF)
def saved_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    saved = selectors.plan_get_for(user=request.user, pk=pk)
    return _file(selectors.saved_plan_compute(saved), fmt, f"plan-{saved.pk}", saved.title)


@require_POST
@role_required(User.Role.APPLICANT)
def ask(request: AuthedRequest, pk: int) -> HttpResponse:
    saved = selectors.plan_get_for(user=request.user, pk=pk)
    form = AskForm(request.POST)
    back = reverse("procedures:saved", args=[saved.pk])

    def call(data: dict[str, Any]) -> Any:
        pdf = exports.plan_pdf(selectors.saved_plan_compute(saved), saved.title)
        return services.plan_ask(plan=saved, by=request.user, question=data["question"], pdf=pdf)

    def rerender(bad: Form) -> HttpResponse:
        context = _plan_context(selectors.saved_plan_compute(saved), request)
        context.update(saved=saved, ask_form=bad, request_ids=[], query="")
        return render(request, "procedures/saved_detail.html", context)

    success = _("Your question about the plan is registered; the plan is attached.")
    return form_step(
        request, form=form, call=call, success=success, back_to=back, rerender=rerender
    )


@role_required(*STAFF)
def for_request(request: AuthedRequest, request_id: int) -> HttpResponse:
    """The plans an applicant attached to a request (linked from the request's text)."""
    plans = selectors.plans_for_request(request_id=request_id)
    return render(
        request, "procedures/for_request.html", {"plans": plans, "request_id": request_id}
    )
