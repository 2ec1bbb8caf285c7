"""The public side: home, signing up (with the e-mail confirmed by a mailed link), the password
reset's last step, and tracking a request without an account."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stroydesk.accounts import services as accounts
from stroydesk.accounts.models import User
from stroydesk.core.ratelimit import Limit, RateLimited
from stroydesk.portal import selectors, services
from stroydesk.portal.forms import ResendConfirmationForm, SignUpForm, TrackCodeForm, TrackForm
from stroydesk.web.ratelimit import rate_limited
from stroydesk.web.views import attach_errors

R = User.Role
HOME_OF_ROLE: dict[str, str] = {
    R.APPLICANT: "portal:my_requests",
    R.OPERATOR: "portal:queue",
    R.SPECIALIST: "portal:authority_inbox",
    R.SUPERVISOR: "portal:board",
    R.ADMIN: "portal:queue",
}
# Posts per client address (IP): sign-ups, codes asked, codes tried, sign-ins, reset letters.
SIGNUP_PER_ADDRESS = Limit("signup-ip", 10, 60 * 60)
TRACK_PER_ADDRESS = Limit("track-ip", 20, 60 * 60)
TRACK_CODE_PER_ADDRESS = Limit("track-code-ip", 30, 60 * 60)
LOGIN_PER_ADDRESS = Limit("login-ip", 30, 5 * 60)
PASSWORD_RESET_PER_ADDRESS = Limit("password-reset-ip", 10, 60 * 60)
# The address just signed up with, for the "check your mail" page of this browser.
SIGNUP_EMAIL_KEY = "portal_signup_email"


def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; signed-in users go to their own workspace."""
    if request.user.is_authenticated:
        return redirect(HOME_OF_ROLE.get(request.user.role, "portal:my_requests"))
    return render(request, "portal/home.html")


@require_http_methods(["GET", "POST"])
@rate_limited(SIGNUP_PER_ADDRESS)
def signup(request: HttpRequest) -> HttpResponse:
    """A new applicant account; it can sign in once the e-mail is confirmed by the mailed link."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.applicant_sign_up(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                kind=data["kind"],
                phone=data["phone"],
                organisation_name=data["organisation_name"],
                inn=data["inn"],
                ogrn=data["ogrn"],
                consent_version=data["consent_version"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            request.session[SIGNUP_EMAIL_KEY] = user.email
            return redirect("portal:signup_sent")
    return render(request, "portal/auth/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signup_sent(request: HttpRequest) -> HttpResponse:
    """The "check your mail" page after signing up, with the form that sends the link again."""
    email = request.session.get(SIGNUP_EMAIL_KEY, "")
    form = ResendConfirmationForm(request.POST or None, initial={"email": email})
    if request.method == "POST" and form.is_valid():
        if accounts.user_resend_confirmation(email=form.cleaned_data["email"]):
            messages.success(
                request,
                _(
                    "If an account with this e-mail waits for confirmation, "
                    "a new link is on its way."
                ),
            )
            return redirect("portal:signup_sent")
        form.add_error(
            "email",
            _("A new link was asked for this address several times just now. Try again later."),
        )
    context = {
        "form": form,
        "email": email,
        "days": accounts.EMAIL_CONFIRMATION_MAX_AGE.days,
        "kept_days": settings.UNCONFIRMED_ACCOUNT_DAYS,
    }
    return render(request, "portal/auth/signup_sent.html", context)


@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link from the letter: the GET shows a button, its POST confirms the e-mail.

    A GET changes nothing, so that a mail scanner opening the link does not use it up. The
    POST (CSRF-protected) confirms but does not sign in: the person signs in with their
    password, so that an account's maker who sends the link on to someone else does not get
    them working, unawares, in the maker's account.
    """
    try:
        if request.method == "POST":
            user = accounts.user_confirm_email(uidb64=uidb64, token=token)
        else:
            user = accounts.user_confirmation_check(uidb64=uidb64, token=token)
    except ValidationError as exc:
        context = {"reason": exc.code, "message": exc.messages[0], "form": ResendConfirmationForm()}
        return render(request, "portal/auth/signup_confirm_failed.html", context, status=400)
    if request.method == "GET":
        return render(request, "portal/auth/signup_confirm.html", {"email": user.email})
    request.session.pop(SIGNUP_EMAIL_KEY, None)
    messages.success(request, _("Your e-mail is confirmed. Sign in with your password."))
    return redirect(reverse("portal:login") + "?" + urlencode({"next": reverse("portal:ask")}))


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's page that sets the new password from the reset link, which also confirms the
    e-mail of an account that has not confirmed it yet: the link came to that mailbox."""

    template_name = "portal/auth/password_reset_confirm.html"
    success_url = reverse_lazy("portal:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        # One transaction: the new password and the confirmation are saved together or not at all.
        with transaction.atomic():
            response = super().form_valid(form)
            accounts.user_confirm_email_by_reset(user=form.user)
        return response


@require_http_methods(["GET", "POST"])
@rate_limited(TRACK_PER_ADDRESS)
def track(request: HttpRequest) -> HttpResponse:
    """Step 1 of tracking without an account: the number and the e-mail; a code is mailed."""
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.track_code_send(
                session=request.session,
                number=form.cleaned_data["number"],
                email=form.cleaned_data["email"],
            )
        except RateLimited as exc:
            form.add_error(None, _("Codes were asked for too often. Try again later."))
            response = render(request, "portal/track.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return redirect("portal:track_code")
    return render(request, "portal/track.html", {"form": form})


@require_http_methods(["GET", "POST"])
@rate_limited(TRACK_CODE_PER_ADDRESS)
def track_code(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the e-mail opens the request's public card, read-only."""
    if request.session.get(services.TRACK_SESSION_KEY) is None:
        return redirect("portal:track")
    form = TrackCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.track_code_check(session=request.session, code=form.cleaned_data["code"]):
            return redirect("portal:track_view")
        form.add_error("code", _("The code is wrong or too old. Ask for a new one."))
    return render(request, "portal/track_code.html", {"form": form})


def track_view(request: HttpRequest) -> HttpResponse:
    """The tracked request: status, public timeline and the answer."""
    request_id = services.track_request_id(session=request.session)
    if request_id is None:
        return redirect("portal:track")
    return render(request, "portal/track_view.html", selectors.tracked_card(request_id=request_id))
