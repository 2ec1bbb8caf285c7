"""The second step of sign-in (the authenticator app's code), setting the app up, and the
signed-in user's security page: the app, recovery codes, API keys, the password.

What is secret — a new key, new recovery codes — is shown on the page that made it, once, and
kept nowhere but as a hash.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stroydesk.accounts import tokens, twofactor
from stroydesk.portal.security_forms import CodeForm, TokenForm
from stroydesk.web.views import attach_errors


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


def _passed(request: HttpRequest) -> None:
    twofactor.session_mark_verified(request.session, request.user)  # type: ignore[arg-type]
    # A new session key once fully signed in: one seen before the second step is worth nothing.
    request.session.cycle_key()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """After the password: the code of the app (or a recovery code)."""
    user: Any = request.user
    if not twofactor.second_factor_enrolled(user):
        return redirect(f"{reverse('portal:two_factor_setup')}?next={_next(request)}")
    if twofactor.session_verified(request.session, user):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            passed = twofactor.second_factor_verify(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            if passed:
                _passed(request)
                left = twofactor.recovery_codes_left(user=user)
                if left <= 3:
                    messages.warning(
                        request,
                        _("Recovery codes left: %(n)s. Make new ones on the security page.")
                        % {"n": left},
                    )
                return redirect(_next(request))
            form.add_error("code", _("The code is not right. Try the app's current code."))
    return render(request, "portal/auth/two_factor.html", {"form": form, "next": _next(request)})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up the app: its secret (and the otpauth link), then its first code; the recovery
    codes are shown once."""
    user: Any = request.user
    if twofactor.second_factor_enrolled(user):
        return redirect(
            "portal:security"
            if twofactor.session_verified(request.session, user)
            else "portal:two_factor"
        )
    device = twofactor.totp_enrolment_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.totp_enrolment_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            _passed(request)
            return render(
                request,
                "portal/auth/recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
    context = {
        "form": form,
        "secret": " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4)),
        "uri": twofactor.totp_uri(device=device),
        "next": _next(request),
        "required": twofactor.second_factor_required(user),
    }
    return render(request, "portal/auth/two_factor_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    """The user's own security page: the app, recovery codes, API keys (made, listed, revoked)."""
    user: Any = request.user
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            token, key = tokens.api_token_issue(
                user=user,
                scope=form.cleaned_data["scope"],
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            issued = {"token": token, "key": key}
            form = TokenForm()
    context = {
        "form": form,
        "issued": issued,
        "tokens": tokens.api_token_list(user=user),
        "enrolled_at": twofactor.enrolled_at(user=user),
        "enrolled": twofactor.second_factor_enrolled(user),
        "codes_left": twofactor.recovery_codes_left(user=user),
    }
    return render(request, "portal/auth/security.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens.api_token_revoke(user=request.user, token_id=pk)  # type: ignore[arg-type]
    messages.success(request, _("The key %(prefix)s… no longer works.") % {"prefix": token.prefix})
    return redirect("portal:security")


@login_required
@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not twofactor.second_factor_enrolled(user):
        return redirect("portal:two_factor_setup")
    codes = twofactor.recovery_codes_renew(user=user)
    return render(
        request,
        "portal/auth/recovery_codes.html",
        {"codes": codes, "next": reverse("portal:security")},
    )


class PasswordChange(auth_views.PasswordChangeView):
    """Django's change of password; the API keys made with the old one stop working
    (``User.save``), this session stays signed in."""

    template_name = "portal/auth/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("portal:security")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)  # keeps this session (update_session_auth_hash)
        messages.success(self.request, _("The password is changed. Your API keys were revoked."))
        return response
