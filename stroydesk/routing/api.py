"""REST API of routing, mounted at /api/v1/routing/: the suggestion for a request's words."""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from stroydesk.routing import engine


class IsCenterStaff(permissions.BasePermission):
    """Operators, supervisors and administrators; applicants and specialists are refused."""

    message = "Only the contact center's staff may ask for routing suggestions."

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_center_staff)


class SuggestIn(serializers.Serializer):
    subject = serializers.CharField(
        max_length=engine.MAX_TEXT_CHARS,
        allow_blank=True,
        required=False,
        default="",
        trim_whitespace=True,
    )
    text = serializers.CharField(
        max_length=engine.MAX_TEXT_CHARS,
        allow_blank=True,
        trim_whitespace=True,
        help_text=f"The request's text, at most {engine.MAX_TEXT_CHARS} characters.",
    )
    applicant_type = serializers.ChoiceField(
        choices=["resident", "developer"], required=False, default="resident"
    )
    channel = serializers.CharField(max_length=16, required=False, default="api")
    cadastral_number = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True
    )


class CodeConfidence(serializers.Serializer):
    code = serializers.CharField(
        help_text="The directory's code; empty when nothing could be said."
    )
    confidence = serializers.FloatField(min_value=0, max_value=1)


class SimilarOut(serializers.Serializer):
    number = serializers.CharField()
    subject = serializers.CharField()
    score = serializers.FloatField()


class SuggestOut(serializers.Serializer):
    topic = CodeConfidence()
    authority = CodeConfidence()
    authorities = CodeConfidence(many=True, help_text="At least three, best first.")
    source: Any = serializers.ChoiceField(choices=["model", "rules"])
    model_version = serializers.IntegerField(allow_null=True)
    similar = SimilarOut(many=True)
    note = serializers.CharField(help_text="Why the suggestion is weak or which rule spoke.")


class SuggestView(APIView):
    permission_classes = [IsCenterStaff]

    @extend_schema(
        request=SuggestIn,
        responses=SuggestOut,
        summary="Suggest the topic and the competent authority of a request",
        tags=["routing"],
    )
    def post(self, request: Request) -> Response:
        data = SuggestIn(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = engine.suggest(**data.validated_data)
        return Response(SuggestOut(suggestion.as_dict()).data)


urlpatterns = [path("suggest/", SuggestView.as_view(), name="routing-suggest")]
