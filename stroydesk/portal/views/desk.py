"""The operator's workspace: the queue, the request card and its steps, phone intake."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stroydesk.accounts.audit import access_record
from stroydesk.accounts.models import User
from stroydesk.accounts.services import personal_data_access_record
from stroydesk.cases import selectors as cases
from stroydesk.cases import services as lifecycle
from stroydesk.cases.intake import Contact, Intake, register_request
from stroydesk.cases.models import AnswerTemplate, Request
from stroydesk.channels.selectors import mail_received_for
from stroydesk.portal import desk_forms as f
from stroydesk.portal import selectors
from stroydesk.portal.views.steps import card_step_view
from stroydesk.routing.views import card_panel as routing_panel
from stroydesk.web.views import (
    CONFLICT,
    AuthedRequest,
    attach_errors,
    done,
    form_step,
    is_htmx,
    role_required,
    service_message,
    step,
)
from stroydesk.workcalendar import selectors as workdays

R = User.Role
staff_only = role_required(R.OPERATOR, R.SUPERVISOR, R.ADMIN)


@staff_only
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    """The queue in one of its saved views; HTMX asks only for the table."""
    now = timezone.now()
    params = f.QueueForm(request.GET).params()
    context = {
        "params": params,
        "page": selectors.queue_page(
            user=request.user,
            now=now,
            view=params["view"],
            sort=params["sort"],
            query=params["q"],
            cursor=params["cursor"],
        ),
        "counts": selectors.queue_counts(user=request.user, now=now),
        "views": selectors.QUEUE_VIEWS,
        "form": f.QueueForm(initial=params),
        "assign_form": f.BulkAssignForm(),
    }
    template = (
        "portal/desk/partials/queue_results.html" if is_htmx(request) else "portal/desk/queue.html"
    )
    return render(request, template, context)


@staff_only
@require_POST
def queue_take(request: AuthedRequest) -> HttpResponse:
    """Take the ticked requests into work; those someone else took first are named."""
    form = f.BulkTakeForm(request.POST)
    back = _queue_back(request)
    if not form.is_valid():
        messages.error(request, _("Tick at least one request."))
        return redirect(back)
    taken, missed = [], []
    for pk in form.cleaned_data["ids"]:
        try:
            case = cases.request_get_for(user=request.user, pk=pk)
            lifecycle.request_take(request=case, by=request.user)
        except (Http404, lifecycle.TransitionNotAllowed):
            missed.append(str(pk))
            continue
        taken.append(case.number)
    if taken:
        messages.success(
            request, _("Taken into work: %(numbers)s.") % {"numbers": ", ".join(taken)}
        )
    if missed:
        messages.warning(
            request,
            _("%(count)d could not be taken: someone else was faster or they are not new.")
            % {"count": len(missed)},
        )
    return done(request, "", back)


@staff_only
@require_POST
def queue_assign(request: AuthedRequest) -> HttpResponse:
    """Assign the ticked requests to the chosen operator; those that could not be are named with
    the reason (closed, changed by someone else meanwhile, already theirs)."""
    form = f.BulkAssignForm(request.POST)
    back = _queue_back(request)
    if not form.is_valid():
        messages.error(request, _("Choose an operator and tick at least one request."))
        return redirect(back)
    operator = form.cleaned_data["operator"]
    assigned, missed = [], []
    for pk in form.cleaned_data["ids"]:
        try:
            case = cases.request_get_for(user=request.user, pk=pk)
        except Http404:
            missed.append(_("no request with id %(id)d") % {"id": pk})
            continue
        try:
            lifecycle.request_assign(request=case, by=request.user, operator=operator)
        except (lifecycle.TransitionNotAllowed, ValidationError) as exc:
            missed.append(f"{case.number}: {service_message(exc, CONFLICT)}")
            continue
        assigned.append(case.number)
    if assigned:
        messages.success(
            request,
            _("Assigned to %(operator)s: %(numbers)s.")
            % {"operator": f.assignee_label(operator), "numbers": ", ".join(assigned)},
        )
    if missed:
        messages.warning(request, _("Not assigned: %(list)s") % {"list": "; ".join(missed)})
    return done(request, "", back)


def _queue_back(request: AuthedRequest) -> str:
    """The queue page the bulk form was sent from (only a path of this site)."""
    back = request.POST.get("next") or reverse("portal:queue")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("portal:queue")
    return back


def _card(request: AuthedRequest, pk: int) -> Request:
    return cases.request_get_for(user=request.user, pk=pk)


def _card_url(case: Request) -> str:
    return reverse("portal:desk_card", args=[case.pk])


@staff_only
@require_GET
def card(request: AuthedRequest, pk: int) -> HttpResponse:
    """The request card; opening it is recorded in the personal-data access log."""
    case = _card(request, pk)
    return render(request, "portal/desk/card.html", _card_context(request, case))


def _card_context(request: AuthedRequest, case: Request, **forms: Any) -> dict[str, Any]:
    personal_data_access_record(actor=request.user, applicant=case.applicant, context=case.number)
    data = selectors.desk_card(user=request.user, request=case)
    answer_initial = ""
    template_id = request.GET.get("template", "")
    if template_id.isascii() and template_id.isdigit():
        template = AnswerTemplate.objects.filter(pk=int(template_id), is_active=True).first()
        if template is not None:
            answer_initial = f.render_template_text(template, case, now=timezone.now())
    elif data["authority_answer"] is not None and case.status == Request.Status.UNDER_REVIEW:
        answer_initial = data["authority_answer"].text
    return {
        "case": case,
        **data,
        "templates": f.answer_templates_for(case),
        "answer_form": forms.get("answer_form") or f.AnswerForm(initial={"text": answer_initial}),
        "reassign_form": forms.get("reassign_form") or f.ReassignForm(),
        "note_form": forms.get("note_form") or f.NoteForm(),
        "ask_form": forms.get("ask_form") or f.AskClarificationForm(),
        "send_back_form": forms.get("send_back_form") or f.SendBackForm(),
        "query_reply_form": forms.get("query_reply_form") or f.AuthorityQueryReplyForm(),
        "reopen_form": forms.get("reopen_form") or f.ReopenForm(),
        "topic_form": forms.get("topic_form") or f.TopicForm(initial={"topic": case.topic_id}),
        "assign_form": forms.get("assign_form") or f.AssignForm(),
        "routing": routing_panel(user=request.user, request=case),
        "letters": mail_received_for(request_id=case.pk),
    }


def _again(request: AuthedRequest, case: Request, key: str) -> Any:
    def rerender(form: Any) -> HttpResponse:
        fresh = _card(request, case.pk)
        messages.error(request, _("Please correct the marked fields."))
        return render(
            request, "portal/desk/card.html", _card_context(request, fresh, **{key: form})
        )

    return rerender


@staff_only
@require_POST
def card_take(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _card(request, pk)
    return step(
        request,
        call=lambda: lifecycle.request_take(request=case, by=request.user),
        success=_("The request is yours now."),
        back_to=_card_url(case),
    )


@staff_only
@require_POST
def card_close(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _card(request, pk)
    return step(
        request,
        call=lambda: lifecycle.request_close(request=case, by=request.user),
        success=_("The request is closed."),
        back_to=_card_url(case),
    )


_desk_step = partial(card_step_view, gate=staff_only, again=_again, back_to=_card_url)


# The card's steps that take one form (urls.py names them).
card_answer = _desk_step(
    form_class=f.AnswerForm,
    command=lifecycle.request_answer,
    success=gettext_lazy("The answer is sent to the applicant."),
    key="answer_form",
)
card_note = _desk_step(
    form_class=f.NoteForm,
    command=lifecycle.request_add_note,
    success=gettext_lazy("The note is saved."),
    key="note_form",
    back_to=lambda case: _card_url(case) + "#history",
)
card_ask = _desk_step(
    form_class=f.AskClarificationForm,
    command=lifecycle.request_ask_clarification,
    success=gettext_lazy("The applicant is asked; the request waits for the answer."),
    key="ask_form",
)
card_send_back = _desk_step(
    form_class=f.SendBackForm,
    command=lifecycle.request_send_back,
    success=gettext_lazy("The answer went back to the authority; the due date stays."),
    key="send_back_form",
)
# Reply to the authority's open question; the request stays with the authority.
card_query_reply = _desk_step(
    form_class=f.AuthorityQueryReplyForm,
    command=lifecycle.request_authority_query_reply,
    success=gettext_lazy("The reply is sent to the authority."),
    key="query_reply_form",
)
card_reopen = _desk_step(
    form_class=f.ReopenForm,
    command=lifecycle.request_reopen,
    success=gettext_lazy("The request is in work again."),
    key="reopen_form",
)
card_reassign = _desk_step(
    form_class=f.ReassignForm,
    command=lifecycle.request_reassign,
    success=gettext_lazy("The request is passed to the other authority; the due date stays."),
    key="reassign_form",
)


def assign_and_tell(request: AuthedRequest, case: Request, operator: User) -> None:
    """Assign one request and say to whom (the name is known only once the form is valid)."""
    lifecycle.request_assign(request=case, by=request.user, operator=operator)
    messages.success(
        request,
        _("%(number)s is assigned to %(operator)s.")
        % {"number": case.number, "operator": f.assignee_label(operator)},
    )


@staff_only
@require_POST
def card_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _card(request, pk)
    return form_step(
        request,
        form=f.AssignForm(request.POST),
        call=lambda d: assign_and_tell(request, case, d["operator"]),
        success="",
        back_to=_card_url(case),
        rerender=_again(request, case, "assign_form"),
    )


@staff_only
@require_POST
def card_topic(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _card(request, pk)
    form = f.TopicForm(request.POST)

    def call(data: dict[str, Any]) -> Any:
        topic = selectors.topic_get(pk=data["topic"])
        if topic is None:
            raise ValidationError({"topic": [_("This topic is no longer in use.")]})
        return lifecycle.request_set_topic(request=case, by=request.user, topic=topic)

    return form_step(
        request,
        form=form,
        call=call,
        success=_("The topic is changed."),
        back_to=_card_url(case),
        rerender=_again(request, case, "topic_form"),
    )


@staff_only
@require_http_methods(["GET", "POST"])
def card_escalate(request: AuthedRequest, pk: int) -> HttpResponse:
    """The escalation dialog: the authority, the question, and the due date before confirming."""
    case = _card(request, pk)
    competent = selectors.desk_card_competent(request=case)
    form = f.EscalateForm(request.POST or None, competent=competent)
    due = workdays.answer_due(timezone.now())
    if request.method == "POST":
        return form_step(
            request,
            form=form,
            call=lambda d: lifecycle.request_escalate(
                request=case, by=request.user, authority=d["authority"], question=d["question"]
            ),
            success=_("The request is passed to the authority."),
            back_to=_card_url(case),
            rerender=lambda bad: _escalate_page(request, case, bad, due),
        )
    return _escalate_page(request, case, form, due)


def _escalate_page(
    request: HttpRequest, case: Request, form: Any, due: Any, status: int = 200
) -> HttpResponse:
    template = (
        "portal/desk/partials/escalate.html" if is_htmx(request) else "portal/desk/escalate.html"
    )
    return render(request, template, {"case": case, "form": form, "due": due}, status=status)


@staff_only
@require_GET
def answer_template(request: AuthedRequest, pk: int) -> HttpResponse:
    """The answer box filled from a template (HTMX); without JS the card reloads with it."""
    case = _card(request, pk)
    template_id = request.GET.get("template", "")
    if not is_htmx(request):
        return redirect(f"{_card_url(case)}?template={template_id}#answer")
    template = get_object_or_404(
        AnswerTemplate,
        pk=int(template_id) if template_id.isascii() and template_id.isdigit() else 0,
        is_active=True,
    )
    form = f.AnswerForm(
        initial={"text": f.render_template_text(template, case, now=timezone.now())}
    )
    return render(request, "portal/desk/partials/answer_field.html", {"answer_form": form})


@staff_only
@require_http_methods(["GET", "POST"])
def phone_intake(request: AuthedRequest) -> HttpResponse:
    """Register a caller's request: the caller is found by phone or e-mail, or created."""
    form = f.PhoneIntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = Contact(full_name=data["full_name"], email=data["email"], phone=data["phone"])
        intake = Intake(
            channel=Request.Channel.PHONE,
            subject=data["subject"],
            text=data["text"],
            topic=data["topic"],
            address=data["address"],
            registered_at=data["registered_at"],
        )
        try:
            created = register_request(intake=intake, by=request.user, contact=contact)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Registered: %(number)s.") % {"number": created.number})
            return redirect("portal:desk_card", pk=created.pk)
    known = []
    if form.is_bound:
        known = selectors.applicants_matching(
            phone=form.data.get("phone", ""), email=form.data.get("email", "")
        )
        _record_lookup(request.user, known)
    status = 422 if form.is_bound else 200
    return render(request, "portal/desk/phone.html", {"form": form, "known": known}, status=status)


@staff_only
@require_GET
def phone_lookup(request: AuthedRequest) -> HttpResponse:
    """Known callers by the phone or e-mail typed so far (HTMX), with their open requests."""
    known = selectors.applicants_matching(
        phone=request.GET.get("phone", ""), email=request.GET.get("email", "")
    )
    _record_lookup(request.user, known)
    return render(request, "portal/desk/partials/known_callers.html", {"known": known})


def _record_lookup(user: Any, known: list[Any]) -> None:
    # One entry for the callers shown together.
    access_record(actor=user, applicants=known, context="phone intake")
