"""The directory: seeded authorities and a two-level topic tree, served read-only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.selectors import topic_competent_authorities
from stroydesk.directory.services import directory_seed


@pytest.mark.django_db
def test_seed_is_idempotent_and_keeps_admin_edits():
    first = directory_seed()
    Authority.objects.filter(code="mosgosstroynadzor").update(email="mgsn@example.ru")
    assert directory_seed() == first
    assert Authority.objects.count() == first[0]
    assert Topic.objects.count() == first[1]
    assert Authority.objects.get(code="mosgosstroynadzor").email == "mgsn@example.ru"


@pytest.mark.django_db
def test_the_construction_complex_is_there(directory):
    names = set(Authority.objects.values_list("short_name", flat=True))
    assert {
        "Москомархитектура",
        "Мосгосстройнадзор",
        "ДГП",
        "Мосгосэкспертиза",
        "Фонд реновации",
    } <= names


@pytest.mark.django_db
def test_topic_tree_has_two_levels_only(directory):
    topic = Topic.objects.get(code="gpzu")
    third = Topic(code="deeper", name="Третий уровень", parent=topic)
    with pytest.raises(ValidationError):
        third.full_clean()
    assert not Topic.objects.filter(parent__parent__parent__isnull=False).exists()


@pytest.mark.django_db
def test_topic_without_own_authorities_falls_back_to_its_section(directory):
    section = Topic.objects.get(code="permits")
    child = Topic.objects.create(code="new-permit", name="Новый вид разрешения", parent=section)
    assert [a.code for a in topic_competent_authorities(topic=child)] == ["mosgosstroynadzor"]


@pytest.mark.django_db
def test_directory_api_is_public_and_read_only(api, directory):
    client = api()
    authorities = client.get("/api/v1/authorities/").json()
    assert any(a["code"] == "mosgosexpertiza" for a in authorities)
    topics = client.get("/api/v1/topics/").json()
    gpzu = next(t for t in topics if t["code"] == "gpzu")
    assert gpzu["section"] == "urban-planning"
    assert gpzu["authorities"] == ["moskomarkhitektura"]
    assert client.post("/api/v1/authorities/", {"code": "x"}).status_code in (401, 403, 405)
    assert client.get("/api/v1/authorities/no-such/").status_code == 404
