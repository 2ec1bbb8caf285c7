"""The statistics dashboard, its JSON for the charts and the exports (supervisors and admins).

Views only parse the query string with ``ReportForm`` and call one selector; the figures on
the page, in the JSON and in the files are the same ``Report``s.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from stroydesk.stats import exports, selectors
from stroydesk.stats.forms import ReportForm, YearlyForm, form_errors
from stroydesk.web.views import page_for

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# Supervisors and administrators; another role gets 403, an anonymous visitor signs in first.
stats_reader_required = page_for(selectors.stats_visible_to)


@require_GET
@stats_reader_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.GET or None, default_period="year")
    if request.GET and not form.is_valid():
        return render(request, "stats/dashboard.html", {"form": form}, status=400)
    if not request.GET:
        form = ReportForm({"period": "year"}, default_period="year")
        form.is_valid()
    data = selectors.dashboard(form.cleaned_data["query"])
    refreshed = data["refreshed_at"] and datetime.fromisoformat(data["refreshed_at"])
    context = {
        "form": form,
        "data": data,
        "query": request.GET.urlencode(),
        "refreshed_at": refreshed,
    }
    return render(request, "stats/dashboard.html", context)


@require_GET
@stats_reader_required
def dashboard_json(request: HttpRequest) -> JsonResponse:
    form = ReportForm(request.GET, default_period="year")
    if not form.is_valid():
        return _bad_input(form)
    return JsonResponse(selectors.dashboard(form.cleaned_data["query"]))


@require_GET
@stats_reader_required
def export_report(request: HttpRequest, fmt: str) -> HttpResponse:
    form = ReportForm(request.GET, default_period="year")
    if not form.is_valid():
        return _bad_input(form)
    sheet = exports.report_sheet(selectors.report(form.cleaned_data["query"]))
    return _file(sheet, fmt)


@require_GET
@stats_reader_required
def export_yearly(request: HttpRequest, fmt: str) -> HttpResponse:
    form = YearlyForm(request.GET)
    if not form.is_valid():
        return _bad_input(form)
    filters, labels = form.filters()
    rows = selectors.yearly(form.cleaned_data["years"], filters)
    return _file(exports.yearly_sheet(rows, labels), fmt)


def _file(sheet: exports.Sheet, fmt: str) -> HttpResponse:
    body = exports.as_csv(sheet) if fmt == "csv" else exports.as_xlsx(sheet)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{sheet.name}.{fmt}"'
    return response


def _bad_input(form) -> JsonResponse:
    errors = form_errors(form)
    first = next((f"{field}: {messages[0]}" for field, messages in errors.items()), "")
    return JsonResponse({"detail": first or _("Invalid input."), "errors": errors}, status=400)
