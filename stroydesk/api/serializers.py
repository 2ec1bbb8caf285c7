"""How requests look in the REST API, and what a client may send."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField, empty, get_error_detail
from rest_framework.serializers import as_serializer_error

from stroydesk.accounts.models import Applicant, User
from stroydesk.cases import selectors
from stroydesk.cases.models import (
    QUESTION_MAX_LENGTH,
    Answer,
    Attachment,
    Escalation,
    History,
    Request,
)
from stroydesk.cases.services import EARLIEST_YEAR
from stroydesk.directory import selectors as directory
from stroydesk.directory.models import Authority, Topic

_SURROGATE = re.compile("[\ud800-\udfff]")


def _fresh(field: serializers.Field) -> serializers.Field:
    """A new, unbound field made as the declared one was; the fields given to it (a list's
    child, a nested serializer) are made anew too, the other arguments are shared: DRF deep-copies
    them all for every request, which cost a tenth of a registration's time. Mutable containers
    among the arguments (a list default, choices) are copied; validators are shared, as DRF does."""
    declared: Any = field
    kwargs: dict[str, Any] = {}
    for key, value in declared._kwargs.items():
        if isinstance(value, serializers.Field):
            kwargs[key] = _fresh(value)
        elif isinstance(value, list | dict | set) and key not in {"validators", "regex"}:
            kwargs[key] = copy.deepcopy(value)  # a mutable default or initial is each one's own
        else:
            kwargs[key] = value
    return type(field)(*declared._args, **kwargs)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know instead of silently dropping them.

    A JSON object is checked against fields made once per class: DRF makes and binds every
    field anew for each serializer, which cost a fifth of a registration. DRF's fields keep no
    state of a validation, and unbound they are their own root, so the loop below is DRF's own
    (``Serializer.run_validation``) over them. What it could not take the same way goes through
    DRF: form data, partial updates, fields read from another attribute or needing their parent
    (``_shared_fields``). ``tests/test_validation_parity.py`` fuzzes both ways against each other.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            _refuse_unknown(data.keys(), self.fields)
        return super().to_internal_value(data)

    def run_validation(self, data: Any = empty) -> Any:
        fields = _shared_fields(type(self))
        if fields is None or type(data) is not dict or self.partial:
            return super().run_validation(data)
        _refuse_unknown(data.keys(), fields)
        value: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for name, field in fields.items():
            if field.read_only:
                continue
            check = getattr(self, "validate_" + name, None)
            try:
                validated = field.run_validation(data.get(name, empty))
                if check is not None:
                    validated = check(validated)
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
            except DjangoValidationError as exc:
                errors[name] = get_error_detail(exc)
            except SkipField:
                pass
            else:
                value[name] = validated
        if errors:
            raise serializers.ValidationError(errors)
        try:
            if self.validators:
                self.run_validators(value)
            value = self.validate(value)
        except (serializers.ValidationError, DjangoValidationError) as exc:
            raise serializers.ValidationError(detail=as_serializer_error(exc)) from exc
        return value


def _refuse_unknown(names: Iterable[str], known: Iterable[str]) -> None:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})


# Each StrictSerializer class's fields, made once, or None where DRF's own way must validate.
_SHARED: dict[type[StrictSerializer], dict[str, serializers.Field] | None] = {}


def _shared_fields(cls: type[StrictSerializer]) -> dict[str, serializers.Field] | None:
    try:
        return _SHARED[cls]
    except KeyError:
        pass
    fields = {name: _fresh(field) for name, field in cls._declared_fields.items()}
    shareable = cls.get_fields is StrictSerializer.get_fields and all(
        _works_unbound(field) for field in fields.values()
    )
    _SHARED[cls] = fields if shareable else None
    return _SHARED[cls]


def _works_unbound(field: serializers.Field, *, child: bool = False) -> bool:
    """Whether the field validates alone as it does bound to a serializer: it reads its value
    by its own name, needs nothing of its parent, and a nested serializer validates without the
    root's context. (A list's child is bound to the list, under the name "".)"""
    if (field.source is not None and not child) or isinstance(
        field, serializers.HiddenField | serializers.ListSerializer
    ):
        return False
    if any(getattr(v, "requires_context", False) for v in [*field.validators, field.default]):
        return False
    if isinstance(field, serializers.ListField):
        return _works_unbound(field.child, child=True)
    if isinstance(field, serializers.Serializer):
        if not isinstance(field, StrictSerializer):
            return False
        cls = type(field)
        return (
            cls.validate is serializers.Serializer.validate
            and not any(
                name.startswith("validate_") and not hasattr(serializers.Serializer, name)
                for name in dir(cls)
            )
            and _shared_fields(cls) is not None
        )
    return True


@extend_schema_field(OpenApiTypes.STR)
class TopicField(serializers.SlugRelatedField):
    """A topic by its code (whether it is still in use is the services' rule). The queryset is
    made per call: a declared one would be deep-copied with the serializer on every request,
    which costs more than the query itself."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> Any:
        return Topic.objects.all()

    def to_internal_value(self, data: Any) -> Topic:
        # A number is a code as text, as the ORM's lookup took it; other shapes, NUL (which
        # PostgreSQL refuses in text) and lone surrogates (which no database encodes) are
        # invalid, as DRF's own text fields refuse them.
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        code = str(data)
        if "\x00" in code or _SURROGATE.search(code):
            self.fail("invalid")
        topic = directory.topic_by_code(code=code)
        if topic is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=code)
        return topic


class ContactSerializer(StrictSerializer):
    full_name = serializers.CharField(max_length=300)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    kind = serializers.ChoiceField(choices=Applicant.Kind.choices, default=Applicant.Kind.RESIDENT)
    organisation_name = serializers.CharField(required=False, allow_blank=True, default="")
    inn = serializers.CharField(required=False, allow_blank=True, default="", max_length=12)
    ogrn = serializers.CharField(required=False, allow_blank=True, default="", max_length=15)


class RequestCreateSerializer(StrictSerializer):
    """A new request. Operators also say who the caller is and through which channel."""

    subject = serializers.CharField(max_length=300)
    text = serializers.CharField(max_length=QUESTION_MAX_LENGTH)
    topic = TopicField(required=False)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    cadastral_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    channel = serializers.ChoiceField(
        choices=Request.Channel.choices, required=False, help_text="Operators only; default api."
    )
    registered_at = serializers.DateTimeField(
        required=False, help_text="Operators only: the call's time for a phone request."
    )
    applicant = ContactSerializer(required=False, help_text="Operators only: who the caller is.")
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False, default=list
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user: User = self.context["request"].user
        if user.role == User.Role.APPLICANT:
            staff_only = {"channel", "registered_at", "applicant"} & set(attrs)
            if staff_only:
                raise serializers.ValidationError(
                    {name: [_("Only operators may set this.")] for name in sorted(staff_only)}
                )
        elif "applicant" not in attrs:
            raise serializers.ValidationError(
                {"applicant": [_("Say who the applicant is (the caller).")]}
            )
        return attrs


class RequestCreatedSerializer(serializers.Serializer):
    """What registration answers: enough to show the number and find the request again."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    channel = serializers.CharField()
    topic = serializers.CharField(allow_null=True)
    registered_at = serializers.DateTimeField()
    url = serializers.CharField()


class TopicRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["code", "name"]


class AuthorityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["code", "short_name"]


class RequestListSerializer(serializers.ModelSerializer):
    topic = TopicRefSerializer(read_only=True, allow_null=True)
    authority = AuthorityRefSerializer(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = [
            "id",
            "number",
            "status",
            "channel",
            "subject",
            "topic",
            "authority",
            "registered_at",
            "due_at",
            "answered_at",
            "overdue",
        ]

    def get_overdue(self, obj: Request) -> bool:
        now = self.context["now"]
        return (
            obj.status == Request.Status.ESCALATED and obj.due_at is not None and obj.due_at < now
        )


class ApplicantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Applicant
        fields = ["kind", "full_name", "email", "phone", "organisation_name", "inn", "ogrn"]


class HistorySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = History
        fields = ["at", "action", "from_status", "to_status", "actor", "comment", "data"]

    def get_actor(self, obj: History) -> str | None:
        if obj.actor is None:
            return None
        viewer: User = self.context["request"].user
        if viewer.role == User.Role.APPLICANT and obj.actor_id != viewer.pk:
            return obj.actor.get_role_display()
        return obj.actor.display_name


class EscalationSerializer(serializers.ModelSerializer):
    authority = AuthorityRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "authority",
            "status",
            "question",
            "escalated_at",
            "due_at",
            "paused_at",
            "paused_working_days",
            "answered_at",
            "closing_reason",
            "query",
            "query_asked_at",
        ]


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["kind", "text", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["original_name", "content_type", "size", "uploaded_at"]


class RequestDetailSerializer(RequestListSerializer):
    applicant = ApplicantSerializer(read_only=True)
    address = serializers.CharField(read_only=True)
    history = serializers.SerializerMethodField()
    escalations = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    paused = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(RequestListSerializer.Meta):
        fields = [
            *RequestListSerializer.Meta.fields,
            "text",
            "address",
            "cadastral_number",
            "applicant",
            "closed_at",
            "version",
            "paused",
            "actions",
            "attachments",
            "answers",
            "escalations",
            "history",
        ]

    def get_history(self, obj: Request) -> Any:
        return HistorySerializer(self.context["history"], many=True, context=self.context).data

    def get_escalations(self, obj: Request) -> Any:
        return EscalationSerializer(self.context["escalations"], many=True).data

    def get_answers(self, obj: Request) -> Any:
        return AnswerSerializer(self.context["answers"], many=True).data

    def to_representation(self, instance: Request) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context["applicant_contacts"]:
            # Same shape for every reader; the contacts are blank for those who may not see them.
            data["applicant"].update({"email": "", "phone": "", "inn": "", "ogrn": ""})
        return data

    def get_paused(self, obj: Request) -> bool:
        return obj.status == Request.Status.WAITING_APPLICANT

    def get_actions(self, obj: Request) -> list[str]:
        return self.context["actions"]


class TextActionSerializer(StrictSerializer):
    text = serializers.CharField(max_length=20000)


class ReasonActionSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=5000)


class CommentActionSerializer(StrictSerializer):
    comment = serializers.CharField(max_length=5000)


class QuestionActionSerializer(StrictSerializer):
    question = serializers.CharField(max_length=5000)


class EmptyActionSerializer(StrictSerializer):
    pass


class EscalateSerializer(StrictSerializer):
    authority = serializers.SlugRelatedField(slug_field="code", queryset=Authority.objects.all())
    question = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ReassignSerializer(StrictSerializer):
    authority = serializers.SlugRelatedField(slug_field="code", queryset=Authority.objects.all())
    reason = serializers.CharField(max_length=5000)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class AssigneeField(serializers.Field):
    """An active operator (or supervisor) by login or by id."""

    def to_internal_value(self, data: Any) -> User:
        user = selectors.assignee_get(key=data) if isinstance(data, str | int) else None
        if user is None:
            raise serializers.ValidationError(_("No active operator has this login or id."))
        return user

    def to_representation(self, value: User) -> str:
        return value.username


class AssignSerializer(StrictSerializer):
    operator = AssigneeField(help_text="The operator's login or id.")


class SetTopicSerializer(StrictSerializer):
    topic = TopicField()


class RequestFilterSerializer(serializers.Serializer):
    status = serializers.MultipleChoiceField(choices=Request.Status.choices, required=False)
    topic = serializers.SlugRelatedField(
        slug_field="code", queryset=Topic.objects.all(), required=False
    )
    authority = serializers.SlugRelatedField(
        slug_field="code", queryset=Authority.objects.all(), required=False
    )
    channel = serializers.ChoiceField(choices=Request.Channel.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    registered_from = serializers.DateField(required=False)
    registered_to = serializers.DateField(required=False)
    q = serializers.CharField(required=False, max_length=200)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("registered_from", "registered_to"):
            day = attrs.get(name)
            if day is not None and day.year < EARLIEST_YEAR:
                # No request is older; 0001-01-01 would overflow on the shift to UTC.
                message = _("The registration time is before %(year)s.") % {"year": EARLIEST_YEAR}
                raise serializers.ValidationError({name: [message]})
        start, end = attrs.get("registered_from"), attrs.get("registered_to")
        if start and end and start > end:
            raise serializers.ValidationError(
                {"registered_to": [_("The end of the period is before its start.")]}
            )
        return attrs
