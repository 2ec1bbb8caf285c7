"""REST API of statistics, mounted at /api/v1/stats/ (supervisors and administrators only).

GET /api/v1/stats/summary/?from=2021-01-01&to=2021-12-31&group_by=month
GET /api/v1/stats/summary/?period=quarter&date=2021-05-01&channel=phone
GET /api/v1/stats/yearly/?years=2020,2021
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response
from rest_framework.views import APIView

from stroydesk.stats import selectors
from stroydesk.stats.forms import ReportForm, YearlyForm, form_errors

FILTER_PARAMETERS = [
    OpenApiParameter("channel", OpenApiTypes.STR, description="portal, email, phone, api, …"),
    OpenApiParameter("topic", OpenApiTypes.STR, description="Topic or section code."),
    OpenApiParameter("authority", OpenApiTypes.STR, description="Authority code."),
    OpenApiParameter("applicant_type", OpenApiTypes.STR, description="resident or developer."),
]


class IsStatsReader(BasePermission):
    """Supervisors and administrators read statistics; everyone else is refused (403)."""

    message = _("Statistics are for supervisors and administrators.")

    def has_permission(self, request, view) -> bool:
        return selectors.stats_visible_to(request.user)


class SummaryView(APIView):
    """Figures of one period (a year by default), optionally broken down."""

    permission_classes = [IsAuthenticated, IsStatsReader]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (custom period)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (custom period)."),
            OpenApiParameter("period", OpenApiTypes.STR, description="day, week, month, …"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="A day inside the period."),
            OpenApiParameter("group_by", OpenApiTypes.STR, description="month, channel, topic, …"),
            *FILTER_PARAMETERS,
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: ApiRequest) -> Response:
        form = ReportForm(request.query_params, default_period="year")
        _refuse_unknown(request, form)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        return Response(selectors.report(form.cleaned_data["query"]).as_dict())


class YearlyView(APIView):
    """Figures per calendar year with the change on the year before."""

    permission_classes = [IsAuthenticated, IsStatsReader]

    @extend_schema(
        parameters=[
            OpenApiParameter("years", OpenApiTypes.STR, required=True, description="2020,2021"),
            *FILTER_PARAMETERS,
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: ApiRequest) -> Response:
        form = YearlyForm(request.query_params)
        _refuse_unknown(request, form)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        filters, _labels = form.filters()
        return Response(selectors.yearly(form.cleaned_data["years"], filters))


def _refuse_unknown(request: ApiRequest, form) -> None:
    """A misspelt parameter (``group=month``) is refused rather than silently ignored."""
    unknown = sorted(set(request.query_params) - set(form.fields))
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})


urlpatterns = [
    path("summary/", SummaryView.as_view(), name="stats-summary"),
    path("yearly/", YearlyView.as_view(), name="stats-yearly"),
]
