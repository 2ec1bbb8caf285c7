"""Personal data over their life: closed requests anonymised after the retention period with
the statistics unchanged; one applicant's data exported and erased on request, on record."""

from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from stroydesk.accounts import consents
from stroydesk.accounts.audit import access_log_verify
from stroydesk.accounts.models import ANONYMISED, Applicant, ConsentText, PersonalDataAccess, User
from stroydesk.cases.models import Answer, Attachment, History, Request
from stroydesk.notifications.models import OutgoingMessage
from stroydesk.ops.privacy import retention_run
from stroydesk.stats.services import rollups_rebuild, rollups_refresh
from stroydesk.stats.tests.conftest import march, msk

__all__ = ["march"]

SUMMARY = "/api/v1/stats/summary/"
GROUPS = ["month", "channel", "applicant_type", "authority", "topic"]
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(msk(4, 30, 12), tick=False):
        yield


def _reports(api, supervisor) -> list[dict]:
    out = []
    for group in GROUPS:
        params = {"from": "2021-01-01", "to": "2021-04-30", "group_by": group}
        body = api(supervisor).get(SUMMARY, params).json()
        body.pop("refreshed_at", None)
        out.append(body)
    return out


def _letter(request, n: int) -> OutgoingMessage:
    return OutgoingMessage.objects.create(
        key=f"t:{n}",
        request=request,
        to=[request.applicant.email],
        subject="Ответ на обращение",
        body="Уважаемая Анна Строева, ответ …",
        message_id=f"<t{n}@stroydesk.test>",
    )


def test_retention_scrubs_closed_requests_and_keeps_the_statistics(march, api, supervisor):
    r1, r2, r4 = march.requests["r1"], march.requests["r2"], march.requests["r4"]
    Attachment.objects.create(
        request=r2,
        file=SimpleUploadedFile("passport.pdf", PDF),
        original_name="passport.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    _letter(r2, 1)
    before = _reports(api, supervisor)

    done = retention_run(now=msk(4, 30, 12, year=2027), years=5)

    assert done == 2  # r1 and r2 closed in March 2021; nothing else is closed
    for closed in (r1, r2):
        closed.refresh_from_db()
        assert closed.anonymised_at is not None
        assert (closed.text, closed.address, closed.search_text) == ("", "", "")
        assert "Разрешение" not in closed.subject
        assert closed.status == Request.Status.CLOSED and closed.number.startswith("ЕКЦ")
    assert not Answer.objects.filter(request=r2, text__contains="Ответ").exists()
    assert not Attachment.objects.filter(request=r2).exists()
    assert not History.objects.filter(request=r2).exclude(comment="").exists()
    letter = OutgoingMessage.objects.get(request=r2)
    assert (letter.to, letter.body) == ([], "")
    r4.refresh_from_db()
    assert r4.anonymised_at is None and r4.text  # open: untouched

    # The developer had r2 alone and no login: their record goes too; the resident's stays
    # (r3–r6 still need it). The kind stays for the statistics.
    developer, resident = r2.applicant, r1.applicant
    developer.refresh_from_db()
    resident.refresh_from_db()
    assert (developer.email, developer.inn, developer.kind) == ("", "", "developer")
    assert developer.anonymised_at is not None
    assert resident.email == "ivanov@example.ru" and resident.anonymised_at is None

    rollups_rebuild(date_from=date(2021, 1, 1), date_to=date(2021, 4, 30))
    rollups_refresh()
    assert _reports(api, supervisor) == before
    assert retention_run(now=msk(4, 30, 12, year=2027), years=5) == 0  # done once


def test_retention_keeps_what_is_within_the_period(march, settings):
    assert retention_run(now=msk(3, 1, 12, year=2026), years=5) == 0  # r1 closed on 2 March
    settings.REQUEST_RETENTION_YEARS = 0  # switched off
    assert retention_run(now=msk(4, 30, 12, year=2040)) == 0
    assert not Request.objects.filter(anonymised_at__isnull=False).exists()


def test_the_command_runs_the_retention(march, settings):
    settings.REQUEST_RETENTION_YEARS = 5
    with time_machine.travel(msk(6, 1, 12, year=2026), tick=False):
        call_command("anonymise_closed")
    assert Request.objects.filter(anonymised_at__isnull=False).count() == 2


@pytest.fixture
def signed_up(applicant_user, directory):
    """An applicant with a login, a consent, two requests (one closed) and a letter."""
    from stroydesk.cases.tests.factories import make_request

    applicant = applicant_user.applicant
    Applicant.objects.filter(pk=applicant.pk).update(phone="+74951234567")
    applicant.refresh_from_db()
    version = consents.WORDINGS[ConsentText.Purpose.ACCOUNT][-1][0]
    consents.consent_record(applicant=applicant, purpose="account", version=version)
    first = make_request(applicant=applicant)
    make_request(applicant=applicant)
    _letter(first, 7)
    return applicant


def test_export_has_everything_and_is_on_record(signed_up, supervisor, operator, tmp_path):
    out = tmp_path / "export.json"
    call_command("applicant_export", str(signed_up.pk), "--by", "supervisor", "-o", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["applicant"]["email"] == signed_up.email
    assert data["account"]["username"] == "ivanov"
    assert data["consents"][0]["text"].startswith("Я даю согласие")
    assert len(data["requests"]) == 2
    assert data["requests"][0]["text"].startswith("Как получить")
    assert data["letters"][0]["body"].startswith("Уважаемая")
    entry = PersonalDataAccess.objects.get()
    assert (entry.actor, entry.applicant_ids, entry.context) == (
        supervisor,
        [signed_up.pk],
        "export on request",
    )
    with pytest.raises(CommandError, match="not an active supervisor"):
        call_command("applicant_export", str(signed_up.pk), "--by", "operator")
    assert PersonalDataAccess.objects.count() == 1


def test_erasure_scrubs_everything_closes_the_login_and_is_on_record(signed_up, supervisor):
    with pytest.raises(CommandError, match="--yes"):
        call_command("applicant_erase", str(signed_up.pk), "--by", "supervisor")
    assert Request.objects.filter(anonymised_at__isnull=False).count() == 0
    call_command("applicant_erase", str(signed_up.pk), "--by", "supervisor", "--yes")
    signed_up.refresh_from_db()
    assert (signed_up.full_name, signed_up.email, signed_up.phone) == (ANONYMISED, "", "")
    assert signed_up.user is None
    user = User.objects.get(username__startswith="erased-")
    assert not user.is_active and not user.has_usable_password() and user.email == ""
    assert not Request.objects.filter(applicant=signed_up, anonymised_at__isnull=True).exists()
    assert not Request.objects.filter(text__contains="разрешение").exists()
    assert OutgoingMessage.objects.get().body == ""
    entry = PersonalDataAccess.objects.get()
    assert (entry.actor, entry.context) == (supervisor, "erasure on request")
    assert access_log_verify() == (1, None)
    # The consent given stays: it shows the processing was lawful while it lasted.
    assert signed_up.consents.count() == 1
