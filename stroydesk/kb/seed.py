"""The seed content of the knowledge base: Markdown files with a small header, loaded idempotently.

Each file in ``data/articles/`` starts with ``key: value`` lines (title, summary, topics, tags,
audience, language, authority, related, reviewed, and one ``act: title | url`` line per legal act),
then a line ``---``, then the Markdown body. The file name is the article's slug.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from stroydesk.directory.models import Authority, Topic
from stroydesk.kb import services
from stroydesk.kb.models import Article

ARTICLES_DIR = Path(__file__).parent / "data" / "articles"
MOSCOW = ZoneInfo("Europe/Moscow")


class SeedFormatError(ValueError):
    """A seed file that cannot be read; the message names the file and the problem."""


@dataclass
class SeedArticle:
    slug: str
    title: str
    body: str
    summary: str = ""
    tags: str = ""
    audience: str = "public"
    language: str = "ru"
    authority: str = ""
    topics: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    acts: list[dict[str, str]] = field(default_factory=list)
    reviewed: str = ""


def parse_seed_file(path: Path) -> SeedArticle:
    raw = path.read_text(encoding="utf-8")
    head, sep, body = raw.partition("\n---\n")
    if not sep:
        raise SeedFormatError(f"{path.name}: no '---' line between the header and the body")
    values: dict[str, Any] = {"acts": []}
    for n, line in enumerate(head.splitlines(), start=1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise SeedFormatError(f"{path.name}:{n}: expected 'key: value'")
        key, value = key.strip(), value.strip()
        if key == "act":
            title, _bar, url = value.partition("|")
            values["acts"].append({"title": title.strip(), "url": url.strip()})
        elif key in {"topics", "related"}:
            values[key] = [v.strip() for v in value.split(",") if v.strip()]
        elif key in {"title", "summary", "tags", "audience", "language", "authority", "reviewed"}:
            values[key] = value
        else:
            raise SeedFormatError(f"{path.name}:{n}: unknown key {key!r}")
    if "title" not in values:
        raise SeedFormatError(f"{path.name}: no title")
    return SeedArticle(slug=path.stem, body=body.strip() + "\n", **values)


def seed_articles(directory: Path = ARTICLES_DIR) -> list[SeedArticle]:
    return [parse_seed_file(p) for p in sorted(directory.glob("*.md"))]


@dataclass
class SeedReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def kb_seed(*, by: Any = None, directory: Path = ARTICLES_DIR) -> SeedReport:
    """Create or update the seed articles; running it twice changes nothing the second time."""
    seeds = seed_articles(directory)
    topics = {t.code: t for t in Topic.objects.all()}
    authorities = {a.code: a for a in Authority.objects.all()}
    services.dictionary_seed()
    report = SeedReport()
    articles: dict[str, Article] = {}
    for seed in seeds:
        missing = [c for c in seed.topics if c not in topics]
        if missing or (seed.authority and seed.authority not in authorities):
            raise SeedFormatError(
                f"{seed.slug}: unknown topic or authority {missing or seed.authority} "
                "(is the directory seeded?)"
            )
        data = services.ArticleData(
            title=seed.title,
            body=seed.body,
            summary=seed.summary,
            tags=seed.tags,
            audience=seed.audience,
            language=seed.language,
            authority=authorities.get(seed.authority),
            topics=[topics[c] for c in seed.topics],
            legal_acts=seed.acts,
        )
        existing = Article.objects.filter(slug=seed.slug).first()
        if existing is None:
            article = services.article_create(data=data, by=by, slug=seed.slug)
            report.created += 1
        elif _fingerprint(existing) == _data_fingerprint(data):
            article = existing
            report.unchanged += 1
        else:
            data.related = list(existing.related.all())
            article = services.article_update(article=existing, data=data, by=by, comment="seed_kb")
            report.updated += 1
        if seed.reviewed:
            reviewed_at = datetime.combine(
                datetime.strptime(seed.reviewed, "%Y-%m-%d").date(), time(12), MOSCOW
            )
            if article.reviewed_at != reviewed_at:
                services.article_mark_reviewed(article=article, by=by, at=reviewed_at)
        articles[seed.slug] = article
    for seed in seeds:
        missing = [s for s in seed.related if s not in articles]
        if missing:
            raise SeedFormatError(f"{seed.slug}: related articles not found: {missing}")
        article = articles[seed.slug]
        wanted = {articles[s].pk for s in seed.related}
        current = set(article.related.values_list("pk", flat=True))
        if not wanted <= current:
            article.related.add(*(wanted - current))
    return report


def _fingerprint(article: Article) -> tuple:
    return (
        article.title,
        article.body,
        article.summary,
        article.tags,
        article.audience,
        article.language,
        article.authority_id,
        article.legal_acts,
        sorted(article.topics.values_list("pk", flat=True)),
    )


def _data_fingerprint(data: services.ArticleData) -> tuple:
    """What ``_fingerprint`` would read after saving ``data`` (services normalise the same way)."""
    return (
        data.title.strip(),
        data.body,
        data.summary.strip(),
        ", ".join(t.strip() for t in data.tags.split(",") if t.strip()),
        data.audience,
        data.language,
        data.authority.pk if data.authority else None,
        [{"title": a["title"].strip(), "url": a.get("url", "").strip()} for a in data.legal_acts],
        sorted(t.pk for t in data.topics),
    )
