"""Factories for requests in any status, built through the real services."""

from __future__ import annotations

import factory

from stroydesk.accounts.models import Applicant, User
from stroydesk.cases import services
from stroydesk.cases.models import Request
from stroydesk.directory.models import Authority


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    full_name = factory.Sequence(lambda n: f"Заявитель {n}")
    email = factory.Sequence(lambda n: f"applicant{n}@example.ru")


def make_request(
    *,
    applicant: Applicant | None = None,
    status: str = Request.Status.REGISTERED,
    operator: User | None = None,
    authority: Authority | None = None,
    subject: str = "Разрешение на строительство",
    channel: str = Request.Channel.PORTAL,
) -> Request:
    """A request brought to ``status`` the way the lifecycle would bring it there."""
    request = services.request_register(
        applicant=applicant or ApplicantFactory(),
        channel=channel,
        subject=subject,
        text="Как получить разрешение на строительство жилого дома?",
    )
    S = Request.Status
    if status == S.REGISTERED:
        return request
    assert operator is not None, "an operator is needed beyond registration"
    services.request_take(request=request, by=operator)
    if status == S.IN_PROGRESS:
        return request
    if status == S.ANSWERED or status == S.CLOSED:
        services.request_answer(request=request, by=operator, text="Ответ заявителю.")
        if status == S.CLOSED:
            services.request_close(request=request, by=operator)
        return request
    if status == S.WAITING_APPLICANT:
        services.request_ask_clarification(request=request, by=operator, question="Уточните адрес")
        return request
    assert authority is not None, "an authority is needed to escalate"
    services.request_escalate(request=request, by=operator, authority=authority, question="?")
    if status == S.ESCALATED:
        return request
    if status == S.UNDER_REVIEW:
        specialist = User.objects.get(specialist__authority=authority)
        services.request_authority_answer(request=request, by=specialist, text="Ответ органа.")
        return request
    raise ValueError(f"cannot build a request in status {status}")
