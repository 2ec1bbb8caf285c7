"""The API's keys: one new key per sign-in (login, password and, for staff when two-factor
sign-in is on, the authenticator app's code), the caller's keys listed and revoked.

A locked-out name is refused with 429 like the sign-in form, whatever the password.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from stroydesk.accounts import twofactor
from stroydesk.accounts.models import ApiToken
from stroydesk.accounts.tokens import api_token_issue, api_token_list, api_token_revoke
from stroydesk.web.api import SignInLocked
from stroydesk.web.ratelimit import SharedCacheThrottle


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=20,
        required=False,
        help_text=_(
            "The authenticator app's code, or a recovery code: required of staff when "
            "two-factor sign-in is on."
        ),
    )
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, default=ApiToken.Scope.WRITE)
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    days = serializers.IntegerField(
        required=False, min_value=1, help_text=_("How long the key works (default 90).")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = authenticate(
            request=self.context["request"],
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                _("Unable to log in with provided credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.ModelSerializer):
    """A key as listed: never the key itself, which is shown once, when it is made."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at"]


class IssuedTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text=_("The key: keep it, it is not shown again."))

    class Meta(TokenSerializer.Meta):
        fields = ["token", *TokenSerializer.Meta.fields]


class TokenSignIn(APIView):
    """``POST`` a username and password (and ``otp`` for staff with two-factor sign-in): a new
    key, valid for ``days`` with ``scope`` read or write. After too many failures: 429 with
    Retry-After, whatever the password."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    # Limited per address like every API call.
    throttle_classes = [SharedCacheThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: IssuedTokenSerializer})
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        # Django's authenticate() turns axes' refusal into "no such user"; axes marks the request.
        if getattr(request, "axes_locked_out", False):
            raise SignInLocked()
        if not valid:
            serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = data["user"]
        if twofactor.second_factor_required(user):
            _second_factor(user, data.get("otp", ""))
        token, key = api_token_issue(
            user=user, scope=data["scope"], name=data["name"], days=data.get("days")
        )
        token.token = key  # type: ignore[attr-defined]
        return Response(IssuedTokenSerializer(token).data, status=status.HTTP_200_OK)


def _second_factor(user: Any, code: str) -> None:
    if not twofactor.second_factor_enrolled(user):
        raise exceptions.PermissionDenied(
            _("Set up the authenticator app on the portal's sign-in page first.")
        )
    if not code:
        raise exceptions.ValidationError(
            {"otp": [_("Enter the code of your authenticator app.")]}, code="otp_required"
        )
    try:
        passed = twofactor.second_factor_verify(user=user, code=code)
    except DjangoValidationError as exc:
        raise exceptions.Throttled(
            wait=twofactor.FAILURE_WINDOW_SECONDS, detail=exc.messages[0]
        ) from None
    if not passed:
        raise exceptions.ValidationError({"otp": [_("The code is not right.")]}, code="otp")


class TokenList(APIView):
    """The caller's keys that still work (without the keys themselves)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: TokenSerializer(many=True)})
    def get(self, request: Request) -> Response:
        tokens = api_token_list(user=request.user)  # type: ignore[arg-type]
        return Response(TokenSerializer(tokens, many=True).data)


class TokenRevoke(APIView):
    """``DELETE`` one of the caller's keys: it stops working at once (another's: 404)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        api_token_revoke(user=request.user, token_id=pk)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
