"""REST API of consultations, mounted at /api/v1/consultations/: subjects, free slots, bookings."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from stroydesk.accounts.models import User
from stroydesk.consultations import selectors, services
from stroydesk.consultations.models import Booking, Format
from stroydesk.consultations.slots import MOSCOW, Slot, free_slots
from stroydesk.web.paging import newest_first_page

MAX_RANGE_DAYS = 31
PAGE_SIZE = 50


class SubjectSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    formats = serializers.ListField(child=serializers.ChoiceField(choices=Format.choices))
    duration_minutes = serializers.IntegerField()


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="Start, ISO 8601 with the Moscow offset.")
    end = serializers.DateTimeField()
    expert = serializers.IntegerField(source="expert_id", help_text="The expert's id.")
    format = serializers.ChoiceField(choices=Format.choices)


class SlotQuerySerializer(serializers.Serializer):
    subject = serializers.CharField()
    format = serializers.ChoiceField(choices=Format.choices)
    # "from" is a Python keyword: the field is declared under another name and renamed below.
    from_ = serializers.DateField()
    to = serializers.DateField()

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": [_("The end is before the start.")]})
        if (attrs["to"] - attrs["from"]).days >= MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"to": [_("Ask for at most %(days)d days at once.") % {"days": MAX_RANGE_DAYS}]}
            )
        return attrs


class BookingCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(help_text="The subject's code.")
    format = serializers.ChoiceField(choices=Format.choices)
    start = serializers.DateTimeField(help_text="ISO 8601 with an offset, one of the free slots.")
    expert = serializers.IntegerField(required=False, allow_null=True)
    question = serializers.CharField(max_length=5000)
    plan_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    plan_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    request = serializers.IntegerField(required=False, allow_null=True, help_text="Your request.")


class BookingRescheduleSerializer(serializers.Serializer):
    start = serializers.DateTimeField(help_text="ISO 8601 with an offset, one of the free slots.")


class BookingSerializer(serializers.ModelSerializer):
    subject: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    expert = serializers.IntegerField(source="expert_id", read_only=True)
    expert_name = serializers.CharField(source="expert.user.display_name", read_only=True)
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    address = serializers.SerializerMethodField()
    request = serializers.IntegerField(source="request_id", read_only=True, allow_null=True)
    # "" when no plan was attached: a plain string, not a URI, in the schema.
    plan_url = serializers.CharField(read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "subject",
            "format",
            "start",
            "end",
            "expert",
            "expert_name",
            "status",
            "question",
            "meeting_url",
            "address",
            "plan_id",
            "plan_url",
            "request",
        ]
        read_only_fields = fields

    def get_address(self, booking: Booking) -> str:
        if booking.room is None:
            return ""
        return f"{booking.room.office.address}, {booking.room.name}"


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors: Any = serializers.DictField()
    reason = serializers.CharField(help_text="expert, room, quota, applicant, organisation")
    next_slots = SlotSerializer(many=True)


def _user(request: Request) -> User:
    """The signed-in user (the views require authentication)."""
    return cast(User, request.user)


def _localized(slots: list[Slot]) -> Any:
    with timezone.override(MOSCOW):
        return SlotSerializer(slots, many=True).data


def taken_response(exc: services.SlotTaken) -> Response:
    data = {
        "detail": str(exc),
        "errors": {},
        "reason": exc.stage,
        "next_slots": _localized(exc.alternatives),
    }
    return Response(data, status=status.HTTP_409_CONFLICT)


def _booking_data(booking: Booking) -> dict[str, Any]:
    with timezone.override(MOSCOW):
        return BookingSerializer(booking).data


class SubjectsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SubjectSerializer(many=True), operation_id="consultation_subjects")
    def get(self, request: Request) -> Response:
        return Response(SubjectSerializer(selectors.subject_list(), many=True).data)


class JsonOnly(DefaultContentNegotiation):
    """JSON always: the issue's ``?format=online`` would otherwise be read by DRF as the
    renderer's name (URL_FORMAT_OVERRIDE) and answer 404."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = JSONRenderer()
        return renderer, renderer.media_type


class SlotsView(APIView):
    permission_classes = [IsAuthenticated]
    content_negotiation_class = JsonOnly

    @extend_schema(
        parameters=[
            OpenApiParameter("subject", str, required=True, description="Subject code."),
            OpenApiParameter("format", str, required=True, enum=Format.values),
            OpenApiParameter("from", date, required=True, description="First day (Moscow)."),
            OpenApiParameter("to", date, required=True, description="Last day, at most 31 days."),
        ],
        responses=SlotSerializer(many=True),
        operation_id="consultation_slots",
    )
    def get(self, request: Request) -> Response:
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        subject = selectors.subject_get(code=query.validated_data["subject"])
        if subject is None:
            raise serializers.ValidationError({"subject": [_("No such subject.")]})
        found = free_slots(
            subject=subject,
            fmt=query.validated_data["format"],
            first=query.validated_data["from"],
            last=query.validated_data["to"],
        )
        return Response(_localized(found))


class BookingsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("cursor", str, description="From the X-Next-Cursor header.")],
        responses=BookingSerializer(many=True),
        operation_id="consultation_bookings_list",
    )
    def get(self, request: Request) -> Response:
        page = newest_first_page(
            selectors.booking_list_for(user=_user(request)),
            cursor=request.query_params.get("cursor", ""),
            size=PAGE_SIZE,
        )
        with timezone.override(MOSCOW):
            response = Response(BookingSerializer(page.items, many=True).data)
        if page.next_cursor:
            response["X-Next-Cursor"] = page.next_cursor
        return response

    @extend_schema(
        request=BookingCreateSerializer,
        responses={201: BookingSerializer, 409: ConflictSerializer},
        operation_id="consultation_book",
    )
    def post(self, request: Request) -> Response:
        # The role first, as on every endpoint: another role learns nothing from a 400 on its body.
        if _user(request).role != User.Role.APPLICANT:
            raise exceptions.PermissionDenied(_("Consultations are booked by applicants."))
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subject = selectors.subject_get(code=values["subject"])
        if subject is None:
            raise serializers.ValidationError({"subject": [_("No such subject.")]})
        expert = None
        if values.get("expert") is not None:
            expert = selectors.expert_get(pk=values["expert"])
            if expert is None:
                raise serializers.ValidationError({"expert": [_("No such expert.")]})
        try:
            booking = services.booking_create(
                by=_user(request),
                subject=subject,
                fmt=values["format"],
                start=values["start"],
                expert=expert,
                details=_details(values),
            )
        except services.SlotTaken as exc:
            return taken_response(exc)
        booking = selectors.booking_get_for(user=_user(request), pk=booking.pk)
        return Response(_booking_data(booking), status=status.HTTP_201_CREATED)


def _details(values: dict[str, Any]) -> services.Details:
    return services.Details(
        question=values["question"],
        plan_id=values.get("plan_id"),
        plan_url=values.get("plan_url") or "",
        request_id=values.get("request"),
    )


class CancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=BookingSerializer, operation_id="consultation_cancel")
    def post(self, request: Request, pk: int) -> Response:
        booking = selectors.booking_get_for(user=_user(request), pk=pk)
        services.booking_cancel(booking=booking, by=_user(request))
        return Response(_booking_data(booking))


class RescheduleView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=BookingRescheduleSerializer,
        responses={200: BookingSerializer, 409: ConflictSerializer},
        operation_id="consultation_reschedule",
    )
    def post(self, request: Request, pk: int) -> Response:
        booking = selectors.booking_get_for(user=_user(request), pk=pk)
        data = BookingRescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            moved = services.booking_reschedule(
                booking=booking, by=_user(request), start=data.validated_data["start"]
            )
        except services.SlotTaken as exc:
            return taken_response(exc)
        return Response(_booking_data(selectors.booking_get_for(user=_user(request), pk=moved.pk)))


urlpatterns = [
    path("subjects/", SubjectsView.as_view(), name="consultation-subjects"),
    path("slots/", SlotsView.as_view(), name="consultation-slots"),
    path("bookings/", BookingsView.as_view(), name="consultation-bookings"),
    path("bookings/<int:pk>/cancel/", CancelView.as_view(), name="consultation-cancel"),
    path("bookings/<int:pk>/reschedule/", RescheduleView.as_view(), name="consultation-reschedule"),
]
