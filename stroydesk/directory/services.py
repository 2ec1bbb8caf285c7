"""Commands that change the directory: seeding authorities and topics, appointing specialists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

from stroydesk.accounts.models import User
from stroydesk.directory.models import Authority, Specialist, Topic

SEED_FILE = Path(__file__).with_name("data") / "moscow.json"


@transaction.atomic
def directory_seed(*, path: Path = SEED_FILE) -> tuple[int, int]:
    """Load authorities and the topic tree from a JSON file; running it twice changes nothing.

    Returns how many authorities and topics the file describes. Existing rows are updated by
    code, so an administrator's later edits of contacts survive (only names and competences
    that the file carries are written).
    """
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    by_code: dict[str, Authority] = {}
    for item in data["authorities"]:
        authority, _ = Authority.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "short_name": item["short_name"],
                "competence": item.get("competence", ""),
            },
        )
        by_code[authority.code] = authority
    topics = 0
    for position, section in enumerate(data["topics"]):
        parent = _topic_upsert(section, parent=None, position=position, authorities=by_code)
        topics += 1
        for child_position, child in enumerate(section.get("children", [])):
            _topic_upsert(child, parent=parent, position=child_position, authorities=by_code)
            topics += 1
    return len(by_code), topics


def _topic_upsert(
    item: dict[str, Any], *, parent: Topic | None, position: int, authorities: dict[str, Authority]
) -> Topic:
    topic, _ = Topic.objects.update_or_create(
        code=item["code"], defaults={"name": item["name"], "parent": parent, "position": position}
    )
    topic.authorities.set([authorities[code] for code in item.get("authorities", [])])
    return topic


def specialist_appoint(*, user: User, authority: Authority, position: str = "") -> Specialist:
    """Make a user a specialist of one authority (moving them if they served another)."""
    if user.role != User.Role.SPECIALIST:
        user.role = User.Role.SPECIALIST
        user.save(update_fields=["role"])
    specialist, _ = Specialist.objects.update_or_create(
        user=user, defaults={"authority": authority, "position": position}
    )
    return specialist
