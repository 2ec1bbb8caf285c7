"""Public REST endpoints for working-day arithmetic (mounted at /api/v1/workdays/).

They let a portal page or a partner system show the same deadlines the contact center computes.
Query parameters are parsed by serializers; every bad input answers 400 ``{"detail", "errors"}``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .calendar import MOSCOW, format_years

# Far more than any deadline needs (the calendar covers ~250 working days a year); larger
# values can only be a mistake or an attempt to make the server walk the whole array.
MAX_WORKING_DAYS = 1000


class AddQuerySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Day D, YYYY-MM-DD.")
    days = serializers.IntegerField(
        min_value=0,
        max_value=MAX_WORKING_DAYS,
        help_text="n: day 1 is the first working day after D; 0 gives D or the next working day.",
    )


class CountQuerySerializer(serializers.Serializer):
    to = serializers.DateField(help_text="Last day of the range (inclusive), YYYY-MM-DD.")

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so it cannot be declared as a class attribute.
        fields: dict[str, serializers.Field] = {
            "from": serializers.DateField(help_text="First day (inclusive), YYYY-MM-DD.")
        }
        fields.update(super().get_fields())
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["from"] > attrs["to"]:
            raise ValidationError({"to": [_("'to' must not be before 'from'.")]})
        return attrs


class _BoundedDateTimeField(serializers.DateTimeField):
    """A moment whose shift to or from Moscow time may fall outside year 1..9999: 400, not 500."""

    def to_internal_value(self, value: Any) -> Any:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            raise serializers.ValidationError(_("the date is out of range")) from None


class DueQuerySerializer(serializers.Serializer):
    escalated_at = _BoundedDateTimeField(
        default_timezone=MOSCOW,
        help_text="ISO 8601 moment of escalation; without an offset it is read as Moscow time. "
        "Encode '+' as %2B.",
    )
    days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_WORKING_DAYS,
        help_text="Working days to answer; defaults to the center's promise "
        "(setting ANSWER_DUE_WORKING_DAYS, 4).",
    )


class DateResultSerializer(serializers.Serializer):
    date = serializers.DateField()


class CountResultSerializer(serializers.Serializer):
    working_days = serializers.IntegerField()


class DueResultSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField(default_timezone=MOSCOW)


# Only for the schema: a Serializer cannot declare a field named "errors" (it is a property).
ERROR_RESPONSE = inline_serializer(
    name="WorkdaysError",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@contextmanager
def _calendar_errors(field: str) -> Iterator[None]:
    """Turn the calendar's refusals (uncovered year) into a 400 on the given parameter."""
    try:
        yield
    except selectors.CalendarRangeError as exc:
        message = _("no production calendar for %(year)s; covered: %(covered)s") % {
            "year": exc.year,
            "covered": format_years(exc.covered),
        }
        raise ValidationError({field: [message]}) from None
    except OverflowError:  # 0001-01-01 shifted to Moscow, or 9999-12-31 plus working days
        raise ValidationError({field: [_("the date is out of range")]}) from None


class _PublicView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []


class AddWorkingDaysView(_PublicView):
    @extend_schema(
        operation_id="workdays_add",
        tags=["workdays"],
        summary="The n-th working day after a date",
        parameters=[AddQuerySerializer],
        responses={200: DateResultSerializer, 400: ERROR_RESPONSE},
        examples=[OpenApiExample("Feb 2021", value={"date": "2021-02-26"}, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        query = _query(AddQuerySerializer, request)
        with _calendar_errors("date"):
            result = selectors.add_working_days(query["date"], query["days"])
        return Response(DateResultSerializer({"date": result}).data)


class CountWorkingDaysView(_PublicView):
    @extend_schema(
        operation_id="workdays_count",
        tags=["workdays"],
        summary="Working days in an inclusive date range",
        parameters=[CountQuerySerializer],
        responses={200: CountResultSerializer, 400: ERROR_RESPONSE},
        examples=[OpenApiExample("2021", value={"working_days": 247}, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        query = _query(CountQuerySerializer, request)
        with _calendar_errors("from"):
            count = selectors.working_days_between(query["from"], query["to"])
        return Response(CountResultSerializer({"working_days": count}).data)


class AnswerDueView(_PublicView):
    @extend_schema(
        operation_id="workdays_due",
        tags=["workdays"],
        summary="When an escalated request must be answered",
        description="End (23:59:59 Moscow time) of the n-th working day after the Moscow date "
        "of escalation.",
        parameters=[DueQuerySerializer],
        responses={200: DueResultSerializer, 400: ERROR_RESPONSE},
        examples=[
            OpenApiExample(
                "Feb 2021", value={"due_at": "2021-02-26T23:59:59+03:00"}, response_only=True
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        query = _query(DueQuerySerializer, request)
        with _calendar_errors("escalated_at"):
            due_at = selectors.answer_due(query["escalated_at"], query.get("days"))
        return Response(DueResultSerializer({"due_at": due_at}).data)


app_name = "workdays"
urlpatterns = [
    path("add/", AddWorkingDaysView.as_view(), name="add"),
    path("count/", CountWorkingDaysView.as_view(), name="count"),
    path("due/", AnswerDueView.as_view(), name="due"),
]
