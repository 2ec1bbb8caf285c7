"""Queries of the directory: who answers what."""

from __future__ import annotations

from django.db.models import QuerySet

from stroydesk.accounts.models import User
from stroydesk.core.sql import Select
from stroydesk.directory.models import Authority, Specialist, Topic


def authority_of(*, user: User) -> Authority | None:
    """The authority a specialist works for; None for everyone else."""
    if user.role != User.Role.SPECIALIST:
        return None
    specialist = getattr(user, "specialist", None)
    return specialist.authority if specialist is not None else None


def authority_id_of(*, user: User) -> int | None:
    specialist = getattr(user, "specialist", None) if user.role == User.Role.SPECIALIST else None
    return specialist.authority_id if specialist is not None else None


def authority_list(*, active_only: bool = True) -> QuerySet[Authority]:
    qs = Authority.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def topic_tree() -> list[Topic]:
    """Sections with their topics prefetched, in display order."""
    return list(
        Topic.objects.filter(parent__isnull=True, is_active=True).prefetch_related(
            "children__authorities", "authorities"
        )
    )


_TOPIC_BY_CODE = Select(Topic, "{code} = %s")


def topic_by_code(*, code: str) -> Topic | None:
    """The topic with this code, in use or not (every registration names one: compiled once)."""
    topic: Topic | None = _TOPIC_BY_CODE.first(code)
    return topic


def topic_list(*, active_only: bool = True) -> QuerySet[Topic]:
    qs = Topic.objects.select_related("parent")
    return qs.filter(is_active=True) if active_only else qs


def topic_competent_authorities(*, topic: Topic) -> list[Authority]:
    """The authorities a topic's questions go to: its own, else its section's."""
    own = list(topic.authorities.filter(is_active=True))
    if own or topic.parent_id is None:
        return own
    assert topic.parent is not None
    return list(topic.parent.authorities.filter(is_active=True))


def specialist_emails(*, authority_id: int | None) -> list[str]:
    """The addresses of an authority's active specialists, each once."""
    if authority_id is None:
        return []
    emails = (
        Specialist.objects.filter(authority_id=authority_id, user__is_active=True)
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))
