"""The applicant's pages: ask a question, my requests, and the steps on one request."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from stroydesk.accounts import consents
from stroydesk.accounts.models import ConsentText, User
from stroydesk.cases import selectors as cases
from stroydesk.cases import services as lifecycle
from stroydesk.cases.intake import IncomingFile, Intake, register_request
from stroydesk.cases.models import Request
from stroydesk.core.ratelimit import Limit, rate_limit_hit
from stroydesk.kb import services as kb_services
from stroydesk.portal import selectors
from stroydesk.portal.forms import AddInformationForm, AskForm, RateForm, ReopenForm
from stroydesk.web.views import (
    AuthedRequest,
    attach_errors,
    form_step,
    role_required,
    step,
)
from stroydesk.workcalendar import selectors as workdays

applicant_only = role_required(User.Role.APPLICANT)
# Questions one applicant may send through the form per hour (a script, not a person, sends more).
ASK_PER_USER = Limit("ask", settings.ASK_RATE_LIMIT_PER_HOUR, 60 * 60)


@applicant_only
@require_http_methods(["GET", "POST"])
def ask(request: AuthedRequest) -> HttpResponse:
    """Ask a question through the portal; the number and the promised date come next."""
    form = AskForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        intake = Intake(
            channel=Request.Channel.PORTAL,
            subject=data["subject"],
            text=data["text"],
            topic=data["topic"],
            address=data["address"],
            cadastral_number=data["cadastral_number"],
            files=[
                IncomingFile(name=f.name, size=f.size, file=f.file) for f in data["attachments"]
            ],
        )
        wait = rate_limit_hit(limit=ASK_PER_USER, who=str(request.user.pk))
        if wait is not None:
            # The form comes back with what was typed: nothing is lost, it can be sent later.
            form.add_error(None, _("Too many questions sent just now. Try again later."))
            response = render(request, "portal/applicant/ask.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        try:
            with transaction.atomic():
                created = register_request(intake=intake, by=request.user)
                consents.consent_record(
                    applicant=created.applicant,
                    purpose=ConsentText.Purpose.REQUEST,
                    version=data["consent_version"],
                    context=created.number,
                )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            kb_services.deflection_record_submission(
                session_key=request.session.session_key or "", request_number=created.number
            )
            return redirect("portal:ask_sent", pk=created.pk)
    return render(request, "portal/applicant/ask.html", {"form": form})


@applicant_only
def ask_sent(request: AuthedRequest, pk: int) -> HttpResponse:
    """The confirmation: the registration number and the promise, worded as it really is."""
    case = cases.request_get_for(user=request.user, pk=pk)
    promised = workdays.answer_due(max(case.registered_at, timezone.now()))
    return render(
        request,
        "portal/applicant/sent.html",
        {
            "case": case,
            "promised": promised,
            "working_days": settings.ANSWER_DUE_WORKING_DAYS,
        },
    )


@applicant_only
def my_requests(request: AuthedRequest) -> HttpResponse:
    """The applicant's requests, newest first."""
    return render(
        request,
        "portal/applicant/list.html",
        {"page": selectors.applicant_page(user=request.user, cursor=request.GET.get("cursor", ""))},
    )


@applicant_only
def my_request(request: AuthedRequest, pk: int) -> HttpResponse:
    """One request: status, the public timeline, the answer and what the applicant can do."""
    case = cases.request_get_for(user=request.user, pk=pk)
    return render(request, "portal/applicant/card.html", _card_context(request, case))


def _card_context(request: AuthedRequest, case: Request, **forms: object) -> dict[str, object]:
    card = selectors.applicant_card(user=request.user, request=case, now=timezone.now())
    return {
        "case": case,
        **card,
        "add_form": forms.get("add_form")
        or AddInformationForm(clarification=case.status == Request.Status.WAITING_APPLICANT),
        "reopen_form": forms.get("reopen_form") or ReopenForm(),
        "rate_form": forms.get("rate_form") or RateForm(),
    }


@applicant_only
@require_POST
def my_request_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a text and files to one's request; while it waits for the applicant, it is the
    clarification. A closed request takes nothing more (the message says: reopen it)."""
    case = cases.request_get_for(user=request.user, pk=pk)
    clarifying = case.status == Request.Status.WAITING_APPLICANT
    return form_step(
        request,
        form=AddInformationForm(request.POST, request.FILES, clarification=clarifying),
        call=lambda d: lifecycle.request_add_message(
            request=case,
            by=request.user,
            text=d["text"],
            channel=Request.Channel.PORTAL,
            attachments=d["attachments"],
        ),
        success=_("Thank you: your answer is added to the request.")
        if clarifying
        else _("Thank you: the information is added to your request."),
        back_to=_card_url(case),
        rerender=lambda form: _card_again(request, case, add_form=form),
    )


@applicant_only
@require_POST
def my_request_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    case = cases.request_get_for(user=request.user, pk=pk)
    return form_step(
        request,
        form=ReopenForm(request.POST),
        call=lambda d: lifecycle.request_reopen(request=case, by=request.user, reason=d["reason"]),
        success=_("The request is open again; the operator will look at it."),
        back_to=_card_url(case),
        rerender=lambda form: _card_again(request, case, reopen_form=form),
    )


@applicant_only
@require_POST
def my_request_rate(request: AuthedRequest, pk: int) -> HttpResponse:
    case = cases.request_get_for(user=request.user, pk=pk)
    return form_step(
        request,
        form=RateForm(request.POST),
        call=lambda d: lifecycle.request_rate(
            request=case, by=request.user, score=d["score"], comment=d["comment"]
        ),
        success=_("Thank you for your rating."),
        back_to=_card_url(case),
        rerender=lambda form: _card_again(request, case, rate_form=form),
    )


@applicant_only
@require_POST
def my_request_close(request: AuthedRequest, pk: int) -> HttpResponse:
    case = cases.request_get_for(user=request.user, pk=pk)
    return step(
        request,
        call=lambda: lifecycle.request_close(request=case, by=request.user),
        success=_("The request is closed. Thank you!"),
        back_to=_card_url(case),
    )


def _card_url(case: Request) -> str:
    return reverse("portal:my_request", args=[case.pk])


def _card_again(request: AuthedRequest, case: Request, **forms: object) -> HttpResponse:
    """The card again with a form's errors next to its fields."""
    case = cases.request_get_for(user=request.user, pk=case.pk)
    messages.error(request, _("Please correct the marked fields."))
    return render(request, "portal/applicant/card.html", _card_context(request, case, **forms))


def attachment_download(request: AuthedRequest, pk: int) -> FileResponse:
    """A file of a request, for whoever may see the request (404 for everyone else)."""
    attachment = cases.attachment_get_for(user=request.user, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
