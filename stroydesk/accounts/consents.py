"""Consents to the processing of personal data (152-ФЗ, art. 9): the wordings, by version, and
the record of each consent given with the version the person was shown.

The wordings live here, in the code, newest last; the first time a version is used it is copied
into ``ConsentText``, and a consent refers to that row, so the text a person agreed to stays on
record after the wording changes. A new wording is a new version appended below, never an edit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from stroydesk.accounts.models import Applicant, Consent, ConsentText

P = ConsentText.Purpose

WORDINGS: dict[str, list[tuple[str, str]]] = {
    P.ACCOUNT: [
        (
            "2026-12-1",
            "Я даю согласие ЕКЦ на обработку моих персональных данных (фамилия, имя, адрес "
            "электронной почты, телефон, а для организации — её наименование, ИНН и ОГРН) в целях "
            "создания учётной записи, регистрации моих обращений и ответов на них, в том числе "
            "на передачу сведений из обращений в органы власти по их компетенции. Данные "
            "обрабатываются до отзыва согласия и хранятся не дольше сроков, установленных для "
            "обращений. Согласие можно отозвать, написав в ЕКЦ; отзыв не затрагивает обработку, "
            "законно проведённую до него (152-ФЗ, ст. 9).",
        ),
    ],
    P.REQUEST: [
        (
            "2026-12-1",
            "Я даю согласие ЕКЦ на обработку персональных данных, которые содержатся в моём "
            "обращении и приложенных к нему файлах (в том числе адреса объекта), в целях "
            "рассмотрения обращения, включая передачу его в орган власти по компетенции. "
            "Закрытые обращения обезличиваются по истечении срока хранения. Согласие можно "
            "отозвать, написав в ЕКЦ (152-ФЗ, ст. 9).",
        ),
    ],
}


def consent_text(*, purpose: str, version: str | None = None) -> ConsentText:
    """The wording of this version (the current one when ``version`` is None), kept on record.

    An unknown version (a form kept open across a release that dropped it cannot happen: versions
    are only added) is refused as a form error rather than recorded as something not shown.
    """
    wordings = dict(WORDINGS[purpose])
    version = version or WORDINGS[purpose][-1][0]
    if version not in wordings:
        raise ValidationError({"consent": [_("The consent text has changed: read it again.")]})
    text, _created = ConsentText.objects.get_or_create(
        purpose=purpose, version=version, defaults={"text": wordings[version]}
    )
    return text


def consent_record(
    *, applicant: Applicant, purpose: str, version: str, context: str = ""
) -> Consent:
    """Record that the applicant agreed to this version of the wording, now."""
    text = consent_text(purpose=purpose, version=version)
    return Consent.objects.create(applicant=applicant, text=text, context=context[:100])
