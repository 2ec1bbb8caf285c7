"""Letters rendered in Russian and then in English, as we do not know the reader's language."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

LANGUAGES = ("ru", "en")


def render_bilingual(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body of ``template`` (``<template>_subject.txt`` and ``<template>.txt``
    under ``templates/``), each in Russian, then in English."""
    subjects, bodies = [], []
    for language in LANGUAGES:
        with translation.override(language):
            subjects.append(render_to_string(f"{template}_subject.txt", context).strip())
            bodies.append(render_to_string(f"{template}.txt", context).strip())
    subject = " / ".join(dict.fromkeys(subjects))
    return subject, "\n\n— — —\n\n".join(bodies) + "\n"
