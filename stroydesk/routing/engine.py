"""The suggestion: the active model's topic and authority, the rules on top, similar answers.

Reads only: the active model is loaded once per process and kept while it stays active (a
switch in the admin is seen at the next suggestion, one indexed query); the index of answered
requests for "similar" is built per model version and rebuilt after ``SIMILAR_TTL`` so new
answers join it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from stroydesk.cases import selectors as cases
from stroydesk.directory.models import Authority, Topic
from stroydesk.directory.selectors import authority_list, topic_competent_authorities, topic_list
from stroydesk.routing.learn import Classifier, Example, SimilarIndex
from stroydesk.routing.models import RoutingModel, RoutingRule
from stroydesk.routing.text import lemmas

SIMILAR_TTL = 600.0
MAX_TEXT_CHARS: int = getattr(settings, "ROUTING_MAX_TEXT_CHARS", 20_000)
# Below this many examples from the center's own history the suggestion says it rests on the
# shipped set and the rules.
LITTLE_HISTORY: int = getattr(settings, "ROUTING_LITTLE_HISTORY", 300)

_lock = threading.Lock()
_loaded: dict[str, Any] = {"pk": None, "classifier": None, "version": None, "history": 0}
_similar: dict[str, Any] = {"version": None, "built": 0.0, "index": None, "rows": {}}


@dataclass
class Suggestion:
    """What routing suggests for one request; codes are the directory's."""

    topic: str = ""
    topic_confidence: float = 0.0
    authority: str = ""
    authority_confidence: float = 0.0
    authorities: list[tuple[str, float]] = field(default_factory=list)
    source: str = "model"
    model_version: int | None = None
    similar: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""
    rule_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": {"code": self.topic, "confidence": round(self.topic_confidence, 3)},
            "authority": {
                "code": self.authority,
                "confidence": round(self.authority_confidence, 3),
            },
            "authorities": [{"code": c, "confidence": round(p, 3)} for c, p in self.authorities],
            "source": self.source,
            "model_version": self.model_version,
            "similar": [
                {"number": s["number"], "subject": s["subject"], "score": s["score"]}
                for s in self.similar
            ],
            "note": self.note,
        }


def active_classifier() -> tuple[Classifier | None, int | None, int]:
    """(classifier, version, examples from history) of the active model, or (None, None, 0)."""
    row = RoutingModel.objects.filter(is_active=True).values("pk", "version", "history_examples")
    current = row.first()
    if current is None:
        return None, None, 0
    with _lock:
        if _loaded["pk"] != current["pk"]:
            blob = RoutingModel.objects.filter(pk=current["pk"]).values_list("blob", flat=True)
            _loaded.update(
                pk=current["pk"],
                classifier=Classifier.loads(blob.first() or b""),
                version=current["version"],
                history=current["history_examples"],
            )
        return _loaded["classifier"], _loaded["version"], _loaded["history"]


def forget_loaded() -> None:
    """Drop the process's cached model and index (after a training, and in tests)."""
    with _lock:
        _loaded.update(pk=None, classifier=None, version=None, history=0)
        _similar.update(version=None, built=0.0, index=None, rows={})


def _similar_index(classifier: Classifier, version: int) -> tuple[SimilarIndex, dict]:
    with _lock:
        fresh = time.monotonic() - _similar["built"] < SIMILAR_TTL
        if _similar["version"] == version and fresh:
            return _similar["index"], _similar["rows"]
    rows = cases.requests_answered_texts(limit=20_000)
    items = [
        (pk, Example(subject=subject, text=text, applicant_type="", channel=""))
        for pk, _number, subject, text in rows
    ]
    index = SimilarIndex.build(classifier.features, items)
    # Only the number and subject of each are kept: a text kept for 20,000 requests would stay
    # resident in every web worker; the answers of the few shown are read when shown.
    by_pk = {
        pk: {"pk": pk, "number": number, "subject": subject} for pk, number, subject, _ in rows
    }
    del rows, items
    with _lock:
        _similar.update(version=version, built=time.monotonic(), index=index, rows=by_pk)
    return index, by_pk


def _rule_for(words: set[str], cadastral: str) -> RoutingRule | None:
    cadastral = cadastral.strip()
    for rule in RoutingRule.objects.filter(is_active=True).select_related("topic", "authority"):
        if rule.kind == RoutingRule.Kind.CADASTRAL:
            district = rule.pattern.strip().rstrip(":")
            if district and (cadastral == district or cadastral.startswith(district + ":")):
                return rule
        else:
            wanted = set(lemmas(rule.pattern))
            if wanted and wanted <= words:
                return rule
    return None


def suggest(
    *,
    subject: str,
    text: str,
    applicant_type: str = "resident",
    channel: str = "portal",
    cadastral_number: str = "",
    exclude_request: int | None = None,
    similar: int = 5,
) -> Suggestion:
    """Topic and authority for a request, each with a confidence, and similar answered ones."""
    if len(text) > MAX_TEXT_CHARS or len(subject) > MAX_TEXT_CHARS:
        raise ValidationError(
            {
                "text": [
                    _("The text is longer than %(limit)s characters.") % {"limit": MAX_TEXT_CHARS}
                ]
            }
        )
    example = Example(subject=subject, text=text, applicant_type=applicant_type, channel=channel)
    out = Suggestion()
    classifier, version, history = active_classifier()
    if classifier is not None:
        prediction = classifier.predict([example])[0]
        out.topic, out.topic_confidence = prediction.topics[0]
        out.authorities = prediction.authorities[:5]
        if out.authorities:
            out.authority, out.authority_confidence = out.authorities[0]
        out.model_version = version
        if history < LITTLE_HISTORY:
            out.note = _(
                "Little history yet: the suggestion rests on the shipped set and the rules."
            )
        if similar > 0:  # the auto-router asks for none: no index in the job consumer
            index, rows = _similar_index(classifier, version or 0)
            found = index.search(example, limit=similar, exclude=exclude_request)
            answers = (
                cases.requests_final_answer_texts(pks=[pk for pk, _ in found]) if found else {}
            )
            for pk, score in found:
                out.similar.append(
                    {**rows[pk], "final_answer": answers.get(pk, ""), "score": score}
                )
    else:
        out.note = _("No model is trained yet: only the rules can suggest.")
    _apply_rule(out, set(lemmas(f"{subject} {text}")), cadastral_number)
    if len(out.authorities) < 3:
        _pad_authorities(out)
    return out


def _apply_rule(out: Suggestion, words: set[str], cadastral: str) -> None:
    rule = _rule_for(words, cadastral)
    if rule is None:
        return
    out.source = "rules"
    out.rule_id = rule.pk
    out.note = _("Rule: %(rule)s") % {"rule": str(rule)}
    if rule.topic is not None:
        out.topic, out.topic_confidence = rule.topic.code, 1.0
    authority: Authority | None = rule.authority
    if authority is None and rule.topic is not None:
        competent = topic_competent_authorities(topic=rule.topic)
        authority = competent[0] if competent else None
    if authority is not None:
        out.authority, out.authority_confidence = authority.code, 1.0
        rest = [(c, p) for c, p in out.authorities if c != authority.code]
        out.authorities = [(authority.code, 1.0), *rest][:5]


def _pad_authorities(out: Suggestion) -> None:
    """At least three authorities, best first: the topic's competent ones, then the others."""
    have = {c for c, _ in out.authorities}
    topic = (
        Topic.objects.filter(code=out.topic).select_related("parent").first() if out.topic else None
    )
    candidates = [a.code for a in topic_competent_authorities(topic=topic)] if topic else []
    candidates += list(authority_list().values_list("code", flat=True))
    for code in candidates:
        if len(out.authorities) >= 3:
            break
        if code not in have:
            out.authorities.append((code, 0.0))
            have.add(code)
    if not out.authority and out.authorities:
        out.authority, out.authority_confidence = out.authorities[0]


def topics_by_code() -> dict[str, Topic]:
    return {t.code: t for t in topic_list()}
