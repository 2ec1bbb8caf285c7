"""REST API of requests: create, list with filters, detail with history, lifecycle actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request as HttpRequest
from rest_framework.response import Response

from stroydesk.accounts.models import User
from stroydesk.accounts.services import personal_data_access_record
from stroydesk.cases import selectors, services
from stroydesk.cases import serializers as s
from stroydesk.cases.attachments import AttachmentTooLarge
from stroydesk.cases.lifecycle import allowed_actions
from stroydesk.cases.models import Request
from stroydesk.channels.intake import Contact, IncomingFile, Intake, register_request
from stroydesk.web.api import Conflict, PayloadTooLarge

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The request's id.")
_DETAIL_ACTIONS = [
    "retrieve",
    "take",
    "assign",
    "answer",
    "escalate",
    "reassign",
    "authority_answer",
    "decline",
    "send_back",
    "authority_query",
    "authority_query_reply",
    "ask_clarification",
    "clarify",
    "close",
    "reopen",
    "notes",
    "set_topic",
]


class RequestCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


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


@extend_schema_view(**{name: extend_schema(parameters=[_ID]) for name in _DETAIL_ACTIONS})
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
        return Response(self._detail(request, pk, audit=True))

    def _detail(self, request: HttpRequest, pk: Any, *, audit: bool = False) -> dict[str, Any]:
        user = _user(request)
        obj = selectors.request_get_for(user=user, pk=pk)
        contacts = selectors.applicant_contacts_visible_to(user=user)
        if audit and contacts:
            personal_data_access_record(actor=user, applicant=obj.applicant, context=obj.number)
        context = {
            "request": request,
            "now": timezone.now(),
            "history": selectors.request_history_for(user=user, request=obj),
            "escalations": selectors.request_escalations_for(user=user, request=obj),
            "answers": selectors.request_answers_for(user=user, request=obj),
            "applicant_contacts": contacts,
            "actions": allowed_actions(status=obj.status, role=user.role),
        }
        return s.RequestDetailSerializer(obj, context=context).data

    def _act(
        self,
        request: HttpRequest,
        pk: str,
        serializer_class: type[s.StrictSerializer],
        run: Callable[[Request, User, dict[str, Any]], Any],
    ) -> Response:
        user = _user(request)
        obj = selectors.request_get_for(user=user, pk=pk)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        _domain_errors(lambda: run(obj, user, serializer.validated_data))
        return Response(self._detail(request, obj.pk))

    @extend_schema(request=None, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.EmptyActionSerializer,
            lambda r, u, v: services.request_take(request=r, by=u),
        )

    @extend_schema(request=s.AssignSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: HttpRequest, pk: str) -> Response:
        """Put an operator in charge: a new request goes into work with them."""
        return self._act(
            request,
            pk,
            s.AssignSerializer,
            lambda r, u, v: services.request_assign(request=r, by=u, operator=v["operator"]),
        )

    @extend_schema(request=s.TextActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.TextActionSerializer,
            lambda r, u, v: services.request_answer(request=r, by=u, text=v["text"]),
        )

    @extend_schema(request=s.EscalateSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.EscalateSerializer,
            lambda r, u, v: services.request_escalate(
                request=r, by=u, authority=v["authority"], question=v["question"]
            ),
        )

    @extend_schema(request=s.ReassignSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.ReassignSerializer,
            lambda r, u, v: services.request_reassign(
                request=r, by=u, authority=v["authority"], reason=v["reason"]
            ),
        )

    @extend_schema(request=s.TextActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="authority-answer")
    def authority_answer(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.TextActionSerializer,
            lambda r, u, v: services.request_authority_answer(request=r, by=u, text=v["text"]),
        )

    @extend_schema(request=s.ReasonActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.ReasonActionSerializer,
            lambda r, u, v: services.request_decline(request=r, by=u, reason=v["reason"]),
        )

    @extend_schema(request=s.CommentActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.CommentActionSerializer,
            lambda r, u, v: services.request_send_back(request=r, by=u, comment=v["comment"]),
        )

    @extend_schema(request=s.QuestionActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="authority-query")
    def authority_query(self, request: HttpRequest, pk: str) -> Response:
        """The authority's specialist asks the contact center; the request stays escalated."""
        return self._act(
            request,
            pk,
            s.QuestionActionSerializer,
            lambda r, u, v: services.request_authority_query(
                request=r, by=u, question=v["question"]
            ),
        )

    @extend_schema(request=s.TextActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="authority-query-reply")
    def authority_query_reply(self, request: HttpRequest, pk: str) -> Response:
        """The contact center replies to the authority's open question."""
        return self._act(
            request,
            pk,
            s.TextActionSerializer,
            lambda r, u, v: services.request_authority_query_reply(request=r, by=u, text=v["text"]),
        )

    @extend_schema(request=s.QuestionActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="ask-clarification")
    def ask_clarification(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.QuestionActionSerializer,
            lambda r, u, v: services.request_ask_clarification(
                request=r, by=u, question=v["question"]
            ),
        )

    @extend_schema(request=s.TextActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def clarify(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.TextActionSerializer,
            lambda r, u, v: services.request_clarify(request=r, by=u, text=v["text"]),
        )

    @extend_schema(request=None, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.EmptyActionSerializer,
            lambda r, u, v: services.request_close(request=r, by=u),
        )

    @extend_schema(request=s.ReasonActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.ReasonActionSerializer,
            lambda r, u, v: services.request_reopen(request=r, by=u, reason=v["reason"]),
        )

    @extend_schema(request=s.TextActionSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def notes(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.TextActionSerializer,
            lambda r, u, v: services.request_add_note(request=r, by=u, text=v["text"]),
        )

    @extend_schema(request=s.SetTopicSerializer, responses=s.RequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="set-topic")
    def set_topic(self, request: HttpRequest, pk: str) -> Response:
        return self._act(
            request,
            pk,
            s.SetTopicSerializer,
            lambda r, u, v: services.request_set_topic(request=r, by=u, topic=v["topic"]),
        )
