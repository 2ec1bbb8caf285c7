"""REST API of the relocation service, mounted at /api/v1/relocation/: the family's free windows
and orders, and the dispatcher's day plan and steps."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.urls import path, re_path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from stroydesk.accounts.models import User
from stroydesk.relocation import selectors, services
from stroydesk.relocation.models import Crew, Order, Window
from stroydesk.workcalendar.selectors import moscow_date

MAX_RANGE_DAYS = 92


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know: a typo must not pass silently."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = set(getattr(self, "initial_data", {}) or {}) - set(self.fields)
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in sorted(unknown)}
            )
        return attrs


class WindowSerializer(serializers.Serializer):
    date = serializers.DateField()
    window = serializers.ChoiceField(choices=Window.choices)
    free = serializers.IntegerField()


class RangeSerializer(serializers.Serializer):
    # "from" is a keyword: declared through the fields mapping below
    to = serializers.DateField(required=False)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and (end < start or (end - start).days > MAX_RANGE_DAYS):
            raise serializers.ValidationError(
                {"to": [f"From 0 to {MAX_RANGE_DAYS} days after «from»."]}
            )
        return attrs


class OrderSerializer(serializers.ModelSerializer):
    crew = serializers.CharField(source="crew.name", default=None, read_only=True, allow_null=True)
    address_from = serializers.CharField(source="household.old_building.address", read_only=True)
    address_to = serializers.CharField(source="household.new_building.address", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "kind",
            "status",
            "date",
            "window",
            "district",
            "rooms",
            "volume_m3",
            "floor_from",
            "floor_to",
            "lift_from",
            "lift_to",
            "special_items",
            "contact_name",
            "contact_phone",
            "crew",
            "reschedules",
            "address_from",
            "address_to",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrderCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=Order.Kind.values)
    date = serializers.DateField()
    window = serializers.ChoiceField(choices=Window.choices)
    rooms = serializers.IntegerField(min_value=1, max_value=10)
    volume_m3 = serializers.IntegerField(
        min_value=1, max_value=200, required=False, allow_null=True
    )
    floor_from = serializers.IntegerField(min_value=-3, max_value=100)
    floor_to = serializers.IntegerField(min_value=-3, max_value=100)
    lift_from = serializers.BooleanField()
    lift_to = serializers.BooleanField()
    special_items = serializers.ListField(
        child=serializers.ChoiceField(choices=services.SPECIAL_ITEMS), required=False, default=list
    )
    contact_name = serializers.CharField(max_length=200, required=False, default="")
    contact_phone = serializers.CharField(max_length=16)


class OrderRescheduleSerializer(StrictSerializer):
    date = serializers.DateField()
    window = serializers.ChoiceField(choices=Window.choices)


class DispatchStepSerializer(StrictSerializer):
    crew = serializers.PrimaryKeyRelatedField(
        queryset=Crew.objects.filter(is_active=True), required=False, allow_null=True
    )


class PlanCrewSerializer(serializers.Serializer):
    district = serializers.CharField()
    crew = serializers.CharField(allow_null=True)
    crew_id = serializers.IntegerField(allow_null=True)
    orders = OrderSerializer(many=True)


def _user(request: Request) -> User:
    """The caller; DRF's IsAuthenticated (the default) has let only signed-in users in."""
    return cast(User, request.user)


def _household(request: Request) -> Any:
    household = selectors.household_of(user=_user(request))
    if household is None:
        raise PermissionDenied("Bind your account to your flat first.")
    return household


def _dispatcher(request: Request) -> None:
    if not selectors.may_dispatch(_user(request)):
        raise PermissionDenied("Only relocation dispatchers may do this.")


class WindowList(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", date, description="first day (default: tomorrow)"),
            OpenApiParameter("to", date, description="last day (default: 60 days on)"),
        ],
        responses=WindowSerializer(many=True),
        summary="Free windows of the caller's household",
    )
    def get(self, request: Request) -> Response:
        household = _household(request)
        query = RangeSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = moscow_date(timezone.now())
        start = query.validated_data.get("from") or today
        end = query.validated_data.get("to") or start + timedelta(days=60)
        slots = selectors.free_windows(household=household, start=start, end=end, today=today)
        return Response(WindowSerializer(slots, many=True).data)


class OrderList(APIView):
    @extend_schema(responses=OrderSerializer(many=True), summary="The caller's orders")
    def get(self, request: Request) -> Response:
        _household(request)
        orders = selectors.order_list_for(user=_user(request)).filter(
            household__resident=_user(request)
        )
        return Response(OrderSerializer(orders.order_by("-id")[:100], many=True).data)

    @extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer},
        summary="Order the move or packing materials",
    )
    def post(self, request: Request) -> Response:
        _household(request)
        body = OrderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        order = services.order_create(
            by=_user(request),
            kind=data["kind"],
            day=data["date"],
            window=data["window"],
            details=services.OrderDetails(
                rooms=data["rooms"],
                volume_m3=data.get("volume_m3"),
                floor_from=data["floor_from"],
                floor_to=data["floor_to"],
                lift_from=data["lift_from"],
                lift_to=data["lift_to"],
                special_items=list(data["special_items"]),
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            ),
        )
        order = selectors.order_get_for(user=_user(request), pk=order.pk)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetail(APIView):
    @extend_schema(responses=OrderSerializer, summary="One order")
    def get(self, request: Request, pk: int) -> Response:
        return Response(OrderSerializer(selectors.order_get_for(user=_user(request), pk=pk)).data)


class OrderCancel(APIView):
    @extend_schema(request=None, responses=OrderSerializer, summary="Cancel an order")
    def post(self, request: Request, pk: int) -> Response:
        order = selectors.order_get_for(user=_user(request), pk=pk)
        services.order_cancel(order=order, by=_user(request))
        return Response(OrderSerializer(selectors.order_get_for(user=_user(request), pk=pk)).data)


class OrderReschedule(APIView):
    @extend_schema(
        request=OrderRescheduleSerializer, responses=OrderSerializer, summary="Move an order"
    )
    def post(self, request: Request, pk: int) -> Response:
        order = selectors.order_get_for(user=_user(request), pk=pk)
        body = OrderRescheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.order_reschedule(
            order=order,
            by=_user(request),
            day=body.validated_data["date"],
            window=body.validated_data["window"],
        )
        return Response(OrderSerializer(selectors.order_get_for(user=_user(request), pk=pk)).data)


class DayPlan(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("date", date, description="the day (default: tomorrow)"),
            OpenApiParameter("district", str, description="only this district"),
        ],
        responses=PlanCrewSerializer(many=True),
        summary="Dispatcher: the day's orders by district and crew",
    )
    def get(self, request: Request) -> Response:
        _dispatcher(request)
        raw = request.query_params.get("date")
        try:
            day = date.fromisoformat(raw) if raw else moscow_date(timezone.now()) + timedelta(1)
        except ValueError:
            raise serializers.ValidationError({"date": ["A date as YYYY-MM-DD."]}) from None
        plan = selectors.day_plan(day=day, district=request.query_params.get("district", ""))
        rows = [
            {
                "district": group["district"],
                "crew": group["crew"].name if group["crew"] else None,
                "crew_id": group["crew"].pk if group["crew"] else None,
                "orders": group["orders"],
            }
            for group in plan
        ]
        return Response(PlanCrewSerializer(rows, many=True).data)


class DispatchStep(APIView):
    @extend_schema(
        request=DispatchStepSerializer,
        responses=OrderSerializer,
        summary="Dispatcher: confirm (optionally with a crew), deliver, move, close, cancel",
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        _dispatcher(request)
        order = selectors.order_get_for(user=_user(request), pk=pk)
        body = DispatchStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if action == "confirm":
            services.order_confirm(
                order=order, by=_user(request), crew=body.validated_data.get("crew")
            )
        elif action == "cancel":
            services.order_cancel(order=order, by=_user(request))
        else:
            services.order_step(order=order, by=_user(request), action=action)
        return Response(OrderSerializer(selectors.order_get_for(user=_user(request), pk=pk)).data)


urlpatterns = [
    path("windows/", WindowList.as_view(), name="relocation-windows"),
    path("orders/", OrderList.as_view(), name="relocation-orders"),
    path("orders/<int:pk>/", OrderDetail.as_view(), name="relocation-order"),
    path("orders/<int:pk>/cancel/", OrderCancel.as_view(), name="relocation-order-cancel"),
    path(
        "orders/<int:pk>/reschedule/", OrderReschedule.as_view(), name="relocation-order-reschedule"
    ),
    path("dispatch/plan/", DayPlan.as_view(), name="relocation-plan"),
    re_path(
        r"^dispatch/orders/(?P<pk>\d+)/(?P<action>confirm|deliver|move|close|cancel)/$",
        DispatchStep.as_view(),
        name="relocation-dispatch-step",
    ),
]
