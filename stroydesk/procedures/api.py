"""REST endpoints of the procedures calculator (mounted at /api/v1/procedures/).

Anyone may plan: ``plan/`` and ``compare/`` compute, they store nothing; ``catalogue/`` lists
the procedures in force with their legal basis and sources.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .planner import Comparison, Plan
from .rules import CONNECTIONS, EXPERTISE, FUNDING, OBJECT_TYPES, Profile


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know instead of silently dropping them."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class ProfileSerializer(StrictSerializer):
    object_type = serializers.ChoiceField(choices=OBJECT_TYPES, help_text="What is built.")
    funding = serializers.ChoiceField(choices=FUNDING, default="private")
    floors = serializers.IntegerField(min_value=0, max_value=200, default=1)
    height_m = serializers.FloatField(min_value=0, max_value=1000, default=0)
    total_area_m2 = serializers.FloatField(min_value=0, max_value=10_000_000, default=0)
    heritage_zone = serializers.BooleanField(default=False)
    connections = serializers.ListField(
        child=serializers.ChoiceField(choices=CONNECTIONS), default=list, max_length=5
    )
    expertise = serializers.ChoiceField(choices=EXPERTISE, default="state")
    sells_off_plan = serializers.BooleanField(default=False)
    works_days = serializers.IntegerField(
        min_value=0,
        max_value=3650,
        default=0,
        help_text="Calendar days of the works themselves; 0 shows the administrative time only.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        selectors.profile_check(Profile.from_dict(attrs))
        return attrs


class PlanQuerySerializer(StrictSerializer):
    profile = ProfileSerializer()
    start_date = serializers.DateField(help_text="The day the first application is filed.")
    drop = serializers.ListField(
        child=serializers.SlugField(),
        default=list,
        max_length=50,
        help_text="Codes of optional steps to leave out.",
    )


class CompareQuerySerializer(StrictSerializer):
    a = ProfileSerializer()
    b = ProfileSerializer(required=False, help_text="Defaults to profile a.")
    start_date = serializers.DateField()
    drop_a = serializers.ListField(child=serializers.SlugField(), default=list, max_length=50)
    drop_b = serializers.ListField(child=serializers.SlugField(), default=list, max_length=50)


class StepSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    authority = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    duration = serializers.IntegerField()
    duration_unit = serializers.ChoiceField(choices=["working_days", "calendar_days"])
    depends_on = serializers.ListField(child=serializers.CharField())
    reason = serializers.CharField()
    legal_basis = serializers.CharField()
    term_confirmed = serializers.BooleanField()
    optional = serializers.BooleanField()
    fee_rub = serializers.IntegerField(allow_null=True)
    fee_rule = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    document = serializers.CharField()
    procedures = serializers.ListField(child=serializers.CharField())


class PlanSerializer(serializers.Serializer):
    procedures = StepSerializer(many=True)
    start_date = serializers.DateField()
    finish = serializers.DateField()
    total_working_days = serializers.IntegerField()
    total_calendar_days = serializers.IntegerField()
    critical_path = serializers.ListField(child=serializers.CharField())
    fees_total = serializers.IntegerField(help_text="Sum of the fixed fees, roubles.")
    fees_unpriced = serializers.ListField(
        child=serializers.CharField(), help_text="Steps priced by tariff or contract."
    )
    documents = DocumentSerializer(many=True)
    dropped = serializers.ListField(child=serializers.CharField())


class ComparisonSerializer(serializers.Serializer):
    a = PlanSerializer()
    b = PlanSerializer()
    calendar_days_saved = serializers.IntegerField(help_text="Positive: b finishes earlier.")
    working_days_saved = serializers.IntegerField()
    only_in_a = serializers.ListField(child=serializers.CharField())
    only_in_b = serializers.ListField(child=serializers.CharField())


class ProcedureSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    authority = serializers.CharField()
    authority_code = serializers.CharField()
    legal_basis = serializers.CharField()
    term = serializers.IntegerField()
    unit = serializers.CharField()
    term_confirmed = serializers.BooleanField()
    term_note = serializers.CharField()
    fee_rub = serializers.IntegerField(allow_null=True)
    fee_rule = serializers.CharField()
    documents = serializers.ListField(child=serializers.CharField())
    depends_on = serializers.ListField(child=serializers.CharField())
    applies_when = serializers.DictField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as the API and the web page's JSON give it."""
    return {
        "procedures": [
            {
                "code": s.code,
                "title": selectors.title_of(s.spec),
                "authority": selectors.authority_of(s.spec),
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "duration": s.duration,
                "duration_unit": s.spec.unit,
                "depends_on": list(s.depends_on),
                "reason": selectors.reason_of(s.spec),
                "legal_basis": s.spec.legal_basis,
                "term_confirmed": s.spec.term_confirmed,
                "optional": s.optional,
                "fee_rub": s.spec.fee_rub,
                "fee_rule": s.spec.fee_rule,
            }
            for s in plan.steps
        ],
        "start_date": plan.start_date.isoformat(),
        "finish": plan.finish.isoformat(),
        "total_working_days": plan.total_working_days,
        "total_calendar_days": plan.total_calendar_days,
        "critical_path": list(plan.critical_path),
        "fees_total": plan.fees_total,
        "fees_unpriced": list(plan.fees_unpriced),
        "documents": [{"document": d, "procedures": list(c)} for d, c in plan.documents],
        "dropped": list(plan.dropped),
    }


def comparison_data(c: Comparison) -> dict[str, Any]:
    return {
        "a": plan_data(c.a),
        "b": plan_data(c.b),
        "calendar_days_saved": c.calendar_days_saved,
        "working_days_saved": c.working_days_saved,
        "only_in_a": list(c.only_in_a),
        "only_in_b": list(c.only_in_b),
    }


EXAMPLE = {
    "profile": {
        "object_type": "residential_multi",
        "floors": 17,
        "height_m": 55,
        "total_area_m2": 24000,
        "connections": ["water", "heat", "power"],
        "expertise": "state",
        "sells_off_plan": True,
    },
    "start_date": "2027-02-15",
}


class PlanView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="procedures_plan",
        request=PlanQuerySerializer,
        responses={200: PlanSerializer},
        examples=[OpenApiExample("Multi-apartment building", value=EXAMPLE, request_only=True)],
        summary="A dated plan of permits and approvals for a project profile",
    )
    def post(self, request: Request) -> Response:
        query = PlanQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        plan = selectors.plan_compute(
            profile=data["profile"], start_date=data["start_date"], drop=data["drop"]
        )
        return Response(plan_data(plan))


class CompareView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="procedures_compare",
        request=CompareQuerySerializer,
        responses={200: ComparisonSerializer},
        summary="What-if: two profiles, or one without optional steps, and the days saved",
    )
    def post(self, request: Request) -> Response:
        query = CompareQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        a = Profile.from_dict(data["a"])
        b = Profile.from_dict(data["b"]) if data.get("b") else a
        result = selectors.plan_compare(
            a=a, b=b, start_date=data["start_date"], drop_a=data["drop_a"], drop_b=data["drop_b"]
        )
        return Response(comparison_data(result))


class CatalogueView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="procedures_catalogue",
        responses={200: ProcedureSerializer(many=True)},
        summary="The procedures in force, with legal basis, terms and sources",
    )
    def get(self, request: Request) -> Response:
        return Response(
            [
                {
                    "code": s.code,
                    "title": selectors.title_of(s),
                    "authority": selectors.authority_of(s),
                    "authority_code": s.authority_code,
                    "legal_basis": s.legal_basis,
                    "term": s.term,
                    "unit": s.unit,
                    "term_confirmed": s.term_confirmed,
                    "term_note": s.term_note,
                    "fee_rub": s.fee_rub,
                    "fee_rule": s.fee_rule,
                    "documents": list(s.documents),
                    "depends_on": list(s.depends_on),
                    "applies_when": dict(s.applies_when),
                    "source": s.source,
                }
                for s in selectors.catalogue_specs()
            ]
        )


urlpatterns = [
    path("plan/", PlanView.as_view(), name="procedures-plan"),
    path("compare/", CompareView.as_view(), name="procedures-compare"),
    path("catalogue/", CatalogueView.as_view(), name="procedures-catalogue"),
]
