"""The API's sign-in for a token, refusing a locked-out name with 429 like the sign-in form."""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from stroydesk.web.api import SignInLocked
from stroydesk.web.ratelimit import SharedCacheThrottle


class TokenSignIn(ObtainAuthToken):
    """``POST`` a username and password, get the account's token (after too many failures: 429
    with Retry-After, whatever the password). Calls are limited per address like every API call
    (DRF's view has no throttle of its own)."""

    throttle_classes = [SharedCacheThrottle]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        # Django's authenticate() turns axes' refusal into "no such user"; axes marks the request.
        if getattr(request, "axes_locked_out", False):
            raise SignInLocked()
        if not valid:
            serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
