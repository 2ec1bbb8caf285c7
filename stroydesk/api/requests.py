"""REST API of requests: create, list with filters, detail with history, lifecycle actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request as HttpRequest
from rest_framework.response import Response

from stroydesk.accounts.models import User
from stroydesk.accounts.services import personal_data_access_record
from stroydesk.api import serializers as s
from stroydesk.cases import selectors, services
from stroydesk.cases.attachments import AttachmentTooLarge
from stroydesk.cases.intake import (
    ON_BEHALF_ROLES,
    Contact,
    IncomingFile,
    Intake,
    register_request,
)
from stroydesk.cases.lifecycle import CENTER_STAFF, TRANSITIONS, actions_for
from stroydesk.cases.models import History, Request
from stroydesk.web.api import Conflict, PayloadTooLarge

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The request's id.")
A = History.Action
R = User.Role
ANY_ROLE = frozenset(R.values)


@dataclass(frozen=True)
class Step:
    """One POST endpoint on a request: ``/requests/{id}/<url_path>/``, the body its serializer
    reads, the roles it is open to (anyone else: 403 before the body is read) and the command,
    called as ``command(request=…, by=…, **body)``: the serializer's fields are its arguments."""

    name: str
    serializer: type[s.StrictSerializer]
    roles: frozenset[str]
    command: Callable[..., Any]
    summary: str = ""

    @property
    def url_path(self) -> str:
        return self.name.replace("_", "-")


def _transition(
    action: History.Action,
    serializer: type[s.StrictSerializer],
    command: Callable[..., Any],
    summary: str = "",
) -> Step:
    """A step of the lifecycle: its roles are the transition's."""
    return Step(action.value, serializer, TRANSITIONS[action].roles, command, summary)


ASSIGN = "Put an operator in charge: a new request goes into work with them."
QUERY = "The authority's specialist asks the contact center; the request stays escalated."
QUERY_REPLY = "The contact center replies to the authority's open question."

# The table of the request's steps; one generated view per row (``_step_view``).
STEPS: list[Step] = [
    _transition(A.TAKE, s.EmptyActionSerializer, services.request_take),
    _transition(A.ASSIGN, s.AssignSerializer, services.request_assign, ASSIGN),
    _transition(A.ANSWER, s.TextActionSerializer, services.request_answer),
    _transition(A.ESCALATE, s.EscalateSerializer, services.request_escalate),
    _transition(A.REASSIGN, s.ReassignSerializer, services.request_reassign),
    _transition(A.AUTHORITY_ANSWER, s.TextActionSerializer, services.request_authority_answer),
    _transition(A.DECLINE, s.ReasonActionSerializer, services.request_decline),
    _transition(A.SEND_BACK, s.CommentActionSerializer, services.request_send_back),
    _transition(
        A.AUTHORITY_QUERY, s.QuestionActionSerializer, services.request_authority_query, QUERY
    ),
    _transition(
        A.AUTHORITY_QUERY_REPLY,
        s.TextActionSerializer,
        services.request_authority_query_reply,
        QUERY_REPLY,
    ),
    _transition(
        A.ASK_CLARIFICATION, s.QuestionActionSerializer, services.request_ask_clarification
    ),
    _transition(A.CLARIFY, s.TextActionSerializer, services.request_clarify),
    _transition(A.CLOSE, s.EmptyActionSerializer, services.request_close),
    _transition(A.REOPEN, s.ReasonActionSerializer, services.request_reopen),
    Step("notes", s.TextActionSerializer, ANY_ROLE - {R.APPLICANT}, services.request_add_note),
    Step("set_topic", s.SetTopicSerializer, CENTER_STAFF, services.request_set_topic),
]


class RequestCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def decode_cursor(self, request: HttpRequest) -> Any:
        # DRF checks the offset of a cursor but passes its position to the query as it came:
        # a forged one («abc», «²») failed in the id lookup with a 500. Ours are ids.
        cursor = super().decode_cursor(request)
        # DRF's stubs say int; what arrives is the string from the query.
        position = str(cursor.position) if cursor and cursor.position is not None else None
        if position is not None and not (
            position.isascii() and position.isdigit() and len(position) <= 18
        ):
            raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor


def _user(request: HttpRequest) -> User:
    """The signed-in user (the default permission class keeps anonymous callers out)."""
    return cast(User, request.user)


def _domain_errors(call: Callable[[], Any]) -> Any:
    """Translate the services' errors into HTTP answers: 409, 413, 403."""
    try:
        return call()
    except services.TransitionNotAllowed as exc:
        raise Conflict(str(exc)) from exc
    except AttachmentTooLarge as exc:
        raise PayloadTooLarge(exc.messages[0]) from exc
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc


@extend_schema_view(retrieve=extend_schema(parameters=[_ID]))
class RequestViewSet(viewsets.ViewSet):
    """Requests (обращения). Applicants see their own, specialists their authority's."""

    pagination_class = RequestCursorPagination

    @extend_schema(
        parameters=[s.RequestFilterSerializer],
        responses=s.RequestListSerializer(many=True),
    )
    def list(self, request: HttpRequest) -> Response:
        params = s.RequestFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        f = params.validated_data
        filters = selectors.RequestFilters(
            status=sorted(f["status"]) if f.get("status") else None,
            topic_id=f["topic"].pk if f.get("topic") else None,
            authority_id=f["authority"].pk if f.get("authority") else None,
            channel=f.get("channel"),
            overdue=f.get("overdue"),
            registered_from=f.get("registered_from"),
            registered_to=f.get("registered_to"),
            query=f.get("q"),
        )
        qs = selectors.request_list_for(user=_user(request), filters=filters)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = s.RequestListSerializer(page, many=True, context={"now": timezone.now()}).data
        return paginator.get_paginated_response(data)

    @extend_schema(request=s.RequestCreateSerializer, responses={201: s.RequestCreatedSerializer})
    def create(self, request: HttpRequest) -> Response:
        if _user(request).role not in ON_BEHALF_ROLES | {R.APPLICANT}:
            raise exceptions.PermissionDenied(_("Your role does not allow this action."))
        data = request.data
        if hasattr(data, "getlist"):  # multipart: files arrive as a list under one name
            data = {k: v for k, v in data.items() if k != "attachments"}
            data["attachments"] = request.FILES.getlist("attachments")
        serializer = s.RequestCreateSerializer(data=data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        v = serializer.validated_data
        user = _user(request)
        contact = Contact(**v["applicant"]) if "applicant" in v else None
        intake = Intake(
            channel=v.get("channel", Request.Channel.API),
            subject=v["subject"],
            text=v["text"],
            topic=v.get("topic"),
            address=v["address"],
            cadastral_number=v["cadastral_number"],
            registered_at=v.get("registered_at"),
            files=[IncomingFile(name=f.name, size=f.size, file=f) for f in v["attachments"]],
        )
        created = _domain_errors(lambda: register_request(intake=intake, by=user, contact=contact))
        # A compact answer: registration is the hot path of every channel; the full card with
        # its history is one GET away (Location).
        url = f"/api/v1/requests/{created.pk}/"
        body = {
            "id": created.pk,
            "number": created.number,
            "status": created.status,
            "channel": created.channel,
            "topic": created.topic.code if created.topic else None,
            # As every other answer gives it: Moscow time with its offset, not UTC.
            "registered_at": serializers.DateTimeField().to_representation(created.registered_at),
            "url": url,
        }
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": url})

    @extend_schema(responses=s.RequestDetailSerializer)
    def retrieve(self, request: HttpRequest, pk: str) -> Response:
        return Response(self._detail(request, pk))

    def _detail(self, request: HttpRequest, pk: Any) -> dict[str, Any]:
        """The full card; every answer with the applicant's contacts is in the access log (the
        steps' answers too: they show the same card)."""
        user = _user(request)
        obj = selectors.request_get_for(user=user, pk=pk)
        contacts = selectors.applicant_contacts_visible_to(user=user)
        if contacts:
            personal_data_access_record(actor=user, applicant=obj.applicant, context=obj.number)
        context = {
            "request": request,
            "now": timezone.now(),
            "history": selectors.request_timeline_for(user=user, request=obj),
            "escalations": selectors.request_escalations_for(user=user, request=obj),
            "answers": selectors.request_answers_for(user=user, request=obj),
            "applicant_contacts": contacts,
            "actions": actions_for(request=obj, role=user.role, now=timezone.now()),
        }
        return s.RequestDetailSerializer(obj, context=context).data

    def _act(self, request: HttpRequest, pk: str, step: Step) -> Response:
        """Find the request (404), check the role (403), read the body (400), run the step
        (409 when its state does not allow it), answer the request as it is now."""
        user = _user(request)
        obj = selectors.request_get_for(user=user, pk=pk)
        if user.role not in step.roles:
            raise exceptions.PermissionDenied(_("Your role does not allow this action."))
        serializer = step.serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        _domain_errors(lambda: step.command(request=obj, by=user, **serializer.validated_data))
        return Response(self._detail(request, obj.pk))


def _step_view(step: Step) -> Callable[..., Response]:
    """The view of one row of ``STEPS``, with its own schema (body, path parameter, answer)."""

    def view(self: RequestViewSet, request: HttpRequest, pk: str) -> Response:
        return self._act(request, pk, step)

    view.__name__ = step.name
    view.__qualname__ = f"RequestViewSet.{step.name}"
    view.__doc__ = step.summary or None
    body = None if step.serializer is s.EmptyActionSerializer else step.serializer
    routed = action(detail=True, methods=["post"], url_path=step.url_path)(view)
    schema = extend_schema(request=body, responses=s.RequestDetailSerializer, parameters=[_ID])
    return cast(Callable[..., Response], schema(routed))


for _step in STEPS:
    setattr(RequestViewSet, _step.name, _step_view(_step))
