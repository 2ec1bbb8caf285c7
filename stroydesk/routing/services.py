"""Commands of routing: train and switch models, record operators' verdicts, auto-route."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from stroydesk.accounts.models import User
from stroydesk.accounts.selectors import user_get_active
from stroydesk.accounts.services import user_create
from stroydesk.cases import selectors as cases
from stroydesk.cases import services as lifecycle
from stroydesk.cases.models import Request
from stroydesk.core.errors import Refused
from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.selectors import authority_list
from stroydesk.routing import engine
from stroydesk.routing.learn import Example, evaluate, split_by_date, train
from stroydesk.routing.models import (
    AutoRoute,
    AutoRoutingSettings,
    Confirmation,
    RoutingModel,
    TopicPolicy,
)

log = logging.getLogger(__name__)
SHIPPED = Path(__file__).with_name("data") / "labelled.jsonl"


@lru_cache(maxsize=1)
def shipped_examples() -> tuple[Example, ...]:
    """The labelled set shipped in the repository (``data/make_labelled.py`` wrote it)."""
    with SHIPPED.open(encoding="utf-8") as rows:
        return tuple(Example(**json.loads(line)) for line in rows if line.strip())


def history_examples() -> list[Example]:
    """What the center itself decided: answered requests with their final topic and the
    authority that answered, and every operator's confirmation or correction."""
    out = [
        Example(
            subject=r["subject"],
            text=r["text"],
            applicant_type=r["applicant_kind"] or "resident",
            channel=r["channel"],
            topic=r["topic_code"],
            authority=r["answered_by"] or "",
            date=r["registered_at"].isoformat(),
        )
        for r in cases.requests_answered_for_learning()
    ]
    for c in Confirmation.objects.select_related("topic", "authority").order_by("at"):
        out.append(
            Example(
                subject=c.subject,
                text=c.text,
                applicant_type=c.applicant_type,
                channel=c.channel,
                topic=c.topic.code,
                authority=c.authority.code if c.authority else "",
                date=c.at.isoformat(),
            )
        )
    return out


def model_train(
    *, activate: bool = True, shipped: tuple[Example, ...] | None = None
) -> RoutingModel:
    """Train a new version on the shipped set and the center's history; store it with the
    figures a twin scored on the newest fifth it did not see; make it active if asked."""
    base = list(shipped if shipped is not None else shipped_examples())
    own = history_examples()
    examples = base + own
    if len({e.topic for e in examples if e.topic}) < 2:
        raise ValidationError(_("Too few labelled requests to train on."))
    learn, test = split_by_date(examples)
    metrics = evaluate(train(learn), test)
    classifier = train(examples)
    for _attempt in range(3):
        version = (
            RoutingModel.objects.order_by("-version").values_list("version", flat=True).first() or 0
        ) + 1
        try:
            with transaction.atomic():
                model = RoutingModel.objects.create(
                    version=version,
                    blob=classifier.dumps(),
                    metrics=metrics,
                    examples=len(examples),
                    history_examples=len(own),
                    seconds=round(classifier.seconds, 2),
                )
            break
        except IntegrityError:  # another training took the number: take the next one
            continue
    else:
        raise Refused(_("Another training is storing models right now; try again."))
    if activate:
        model_activate(model=model)
    return model


@transaction.atomic
def model_activate(*, model: RoutingModel) -> RoutingModel:
    """Make this version the one that answers; the previous one stays stored."""
    RoutingModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    RoutingModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    transaction.on_commit(engine.forget_loaded)
    return model


# --- The operator's verdict -----------------------------------------------------------------


@transaction.atomic
def confirmation_record(
    *,
    request: Request,
    by: User,
    topic: Topic,
    authority: Authority | None,
    suggestion: engine.Suggestion,
    escalate: bool = False,
) -> Confirmation:
    """The operator confirms or corrects the suggestion; the request takes the topic (and, if
    asked, goes to the authority). A correction is training data for the next model."""
    if not by.is_center_staff:
        raise PermissionDenied(pgettext("routing", "Only the center's staff classify requests."))
    if escalate and authority is None:
        raise ValidationError({"authority": [_("Choose the authority to pass the request to.")]})
    confirmation = Confirmation.objects.create(
        request=request,
        model_version=suggestion.model_version,
        source=suggestion.source,
        suggested_topic=suggestion.topic,
        suggested_authority=suggestion.authority,
        topic=topic,
        authority=authority,
        subject=request.subject,
        text=request.text[: engine.MAX_TEXT_CHARS],
        applicant_type=request.applicant.kind,
        channel=request.channel,
        by=by,
    )
    if request.topic_id != topic.pk:
        lifecycle.request_set_topic(request=request, by=by, topic=topic)
    if escalate and authority is not None:
        if request.status == Request.Status.REGISTERED:
            lifecycle.request_take(request=request, by=by)
        lifecycle.request_escalate(request=request, by=by, authority=authority)
    return confirmation


# --- Auto-routing ---------------------------------------------------------------------------


def settings_get() -> AutoRoutingSettings:
    return AutoRoutingSettings.objects.get_or_create(pk=1)[0]


def routing_user(*, version: int | None) -> User:
    """The system account that acts for a model version; nobody can sign in as it."""
    username = f"routing-v{version or 0}"
    user = user_get_active(roles=[User.Role.OPERATOR], key=username)
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return user_create(
                username=username,
                password=None,
                role=User.Role.OPERATOR,
                last_name=_("Routing model v%(version)s") % {"version": version or 0},
            )
    except (IntegrityError, ValidationError):  # created a moment ago by another worker
        found = user_get_active(roles=[User.Role.OPERATOR], key=username)
        if found is None:
            raise
        return found


@dataclass
class AutoRouteResult:
    routed: int = 0
    skipped: int = 0


def _decide(request: Request, cfg: AutoRoutingSettings) -> tuple[engine.Suggestion, str]:
    """The suggestion and why not to route it ("" to route)."""
    s = engine.suggest(
        subject=request.subject,
        text=request.text[: engine.MAX_TEXT_CHARS],
        applicant_type=request.applicant.kind,
        channel=request.channel,
        cadastral_number=request.cadastral_number,
        exclude_request=request.pk,
        similar=0,
    )
    topic = engine.topics_by_code().get(s.topic)
    ids = {topic.pk, topic.parent_id} if topic else set()
    escalated = TopicPolicy.objects.filter(topic_id__in=ids - {None}, always_escalated=True)
    if s.model_version is None and s.source != "rules":
        return s, "no model"
    if topic is None or not escalated.exists():
        return s, "topic not always escalated"
    if min(s.topic_confidence, s.authority_confidence) < cfg.threshold:
        return s, "below the threshold"
    return s, ""


def autoroute_pending(
    *, now: datetime | None = None, window: timedelta = timedelta(days=1)
) -> AutoRouteResult:
    """Escalate new requests of always-escalated topics to the suggested authority, when the
    suggestion is confident enough; each request is decided once (the ``AutoRoute`` row is the
    claim, so two workers cannot both route it). Off unless switched on in the settings."""
    cfg = settings_get()
    result = AutoRouteResult()
    if not cfg.enabled:
        return result
    # What the job writes (the model's account name, the question to the authority) is stored
    # once and read by everyone: in the center's language, not the worker's.
    with translation.override(settings.LANGUAGE_CODE):
        _autoroute(cfg, result, now or timezone.now(), window)
    return result


def _autoroute(
    cfg: AutoRoutingSettings, result: AutoRouteResult, now: datetime, window: timedelta
) -> None:
    pending = cases.requests_registered_between(
        since=now - window, until=now + timedelta(minutes=5)
    )
    done = set(
        AutoRoute.objects.filter(request_id__in=pending.values("pk")).values_list(
            "request_id", flat=True
        )
    )
    authorities = {a.code: a for a in authority_list()}
    for request in pending:
        if request.pk in done:
            continue
        suggestion, reason = _decide(request, cfg)
        authority = authorities.get(suggestion.authority)
        if not reason and authority is None:
            reason = "authority not in use"
        if not reason and _route(request, suggestion, authority):
            result.routed += 1
            continue
        try:
            with transaction.atomic():
                AutoRoute.objects.create(
                    request=request,
                    outcome=AutoRoute.Outcome.SKIPPED,
                    reason=reason or "taken by an operator",
                    model_version=suggestion.model_version,
                    topic_code=suggestion.topic,
                    confidence=min(suggestion.topic_confidence, suggestion.authority_confidence),
                )
            result.skipped += 1
        except IntegrityError:
            continue


def _route(request: Request, s: engine.Suggestion, authority: Authority | None) -> bool:
    assert authority is not None
    bot = routing_user(version=s.model_version)
    topic = engine.topics_by_code()[s.topic]
    try:
        with transaction.atomic():
            AutoRoute.objects.create(
                request=request,
                outcome=AutoRoute.Outcome.ROUTED,
                model_version=s.model_version,
                topic_code=s.topic,
                authority=authority,
                confidence=min(s.topic_confidence, s.authority_confidence),
                reason=s.note[:200],
            )
            lifecycle.request_take(request=request, by=bot)
            if request.topic_id != topic.pk:
                lifecycle.request_set_topic(request=request, by=bot, topic=topic)
            lifecycle.request_escalate(
                request=request,
                by=bot,
                authority=authority,
                question=_("Routed automatically by model v%(version)s (confidence %(p)s).")
                % {
                    "version": s.model_version,
                    "p": f"{min(s.topic_confidence, s.authority_confidence):.2f}",
                },
            )
    except (IntegrityError, Refused, ValidationError) as exc:
        log.info("auto-routing of %s left to the operators: %s", request.number, exc)
        return False
    return True
