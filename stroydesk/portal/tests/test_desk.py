"""The operator's workspace: queue views, counts and pages, the card and its steps, phone intake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from stroydesk.accounts.models import Applicant, PersonalDataAccess, User
from stroydesk.accounts.services import user_create
from stroydesk.cases import services
from stroydesk.cases.models import AnswerTemplate, Escalation, History, Request
from stroydesk.cases.tests.factories import ApplicantFactory, make_request
from stroydesk.portal import selectors
from stroydesk.portal.views import desk as desk_views
from stroydesk.workcalendar import selectors as workdays

S = Request.Status


@pytest.fixture
def desk(client, operator):
    client.force_login(operator)
    return client


def _queue(client, **params):
    return client.get(reverse("portal:queue"), params)


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["applicant_user", "specialist"])
def test_desk_is_closed_to_applicants_and_specialists(client, persona, request, operator):
    user = request.getfixturevalue(persona)
    case = make_request()
    client.force_login(user)
    assert client.get(reverse("portal:queue")).status_code == 403
    assert client.get(reverse("portal:desk_card", args=[case.pk])).status_code == 403
    assert client.post(reverse("portal:desk_take", args=[case.pk])).status_code == 403
    case.refresh_from_db()
    assert case.status == S.REGISTERED


@pytest.mark.django_db
def test_unknown_request_is_not_found(desk):
    assert desk.get(reverse("portal:desk_card", args=[999999])).status_code == 404


# --- Queue -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_views_and_counts(desk, operator, operator2, specialist, authority):
    new = make_request(subject="Новое")
    mine = make_request(status=S.IN_PROGRESS, operator=operator, subject="Моё")
    theirs = make_request(status=S.IN_PROGRESS, operator=operator2, subject="Чужое")
    escalated = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    closed = make_request(status=S.CLOSED, operator=operator)

    def numbers(view):
        response = _queue(desk, view=view)
        return {case.number for case in response.context["page"].items}, response

    got, response = numbers("open")
    assert got == {new.number, mine.number, theirs.number, escalated.number}
    assert response.context["counts"] == {
        "mine": 2,
        "unassigned": 1,
        "escalated": 1,
        "review": 0,
        "questions": 0,
        "due_today": 0,
        "overdue": 0,
    }
    assert numbers("mine")[0] == {mine.number, escalated.number}
    assert numbers("unassigned")[0] == {new.number}
    assert numbers("escalated")[0] == {escalated.number}
    assert numbers("all")[0] >= {closed.number}
    assert closed.number not in numbers("open")[0]


@pytest.mark.django_db
def test_queue_due_today_and_overdue(desk, operator, authority):
    late = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    today = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    now = timezone.now()
    Request.objects.filter(pk=late.pk).update(due_at=now - timedelta(days=1))
    Request.objects.filter(pk=today.pk).update(
        due_at=workdays.end_of_day(workdays.moscow_date(now))
    )
    overdue = {c.number for c in _queue(desk, view="overdue").context["page"].items}
    due_today = {c.number for c in _queue(desk, view="due_today").context["page"].items}
    assert overdue == {late.number}
    assert due_today == {today.number}


@pytest.mark.django_db
def test_queue_cursor_pages_cover_everything_once(desk, settings, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    applicant = ApplicantFactory()
    created = [make_request(applicant=applicant) for _ in range(8)]
    for sort in ("new", "old", "due"):
        seen, cursor = [], ""
        for _ in range(5):
            page = _queue(desk, view="open", sort=sort, cursor=cursor).context["page"]
            seen += [c.pk for c in page.items]
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert sorted(seen) == sorted(c.pk for c in created), sort
        assert len(seen) == len(set(seen))
    newest_first = [c.pk for c in _queue(desk, sort="new").context["page"].items]
    assert newest_first == sorted(newest_first, reverse=True)


@pytest.mark.django_db
def test_queue_due_sort_puts_the_earliest_due_first(desk, operator, authority):
    first = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    second = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    plain = make_request()
    Request.objects.filter(pk=second.pk).update(due_at=first.due_at - timedelta(days=2))
    order = [c.pk for c in _queue(desk, sort="due").context["page"].items]
    assert order == [second.pk, first.pk, plain.pk]


@pytest.mark.django_db
def test_queue_mangled_cursor_shows_the_first_page(desk):
    case = make_request()
    page = _queue(desk, cursor="!!not-a-cursor").context["page"]
    assert [c.pk for c in page.items] == [case.pk]


@pytest.mark.django_db
def test_queue_search_by_number(desk):
    wanted = make_request(subject="Первое")
    make_request(subject="Второе")
    page = _queue(desk, view="all", q=wanted.number).context["page"]
    assert [c.pk for c in page.items] == [wanted.pk]


@pytest.mark.django_db
def test_queue_htmx_gets_only_the_table(desk):
    make_request()
    response = desk.get(reverse("portal:queue"), {"view": "open"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="queue">')
    assert "<html" not in body


@pytest.mark.django_db
def test_queue_query_count_does_not_grow_with_rows(
    desk, operator, authority, django_assert_num_queries
):
    applicant = ApplicantFactory()
    for _ in range(3):
        escalated = make_request(
            applicant=applicant, status=S.ESCALATED, operator=operator, authority=authority
        )
        services.request_add_message(request=escalated, by=None, text="Дополнение")
        make_request(applicant=applicant)
    # session, user, counts (one query over the requests, one over the authorities' open
    # questions), the page (one query with its joins and the applicant-wrote-last marker), the
    # operators of "Assign to" (one list for the page, not one per row), and whether the
    # operator is a relocation dispatcher (the menu's «Moves» link)
    with django_assert_num_queries(7):
        response = _queue(desk, view="open")
    assert len(response.context["page"].items) == 6
    assert response.content.decode().count("новое от заявителя") == 3


@pytest.mark.django_db
def test_queue_marks_the_rows_where_the_applicant_wrote_last(desk, operator, applicant_user):
    applicant = applicant_user.applicant
    written = make_request(applicant=applicant, status=S.IN_PROGRESS, operator=operator)
    services.request_add_message(request=written, by=applicant_user, text="Дом 13")
    seen_to = make_request(applicant=applicant, status=S.IN_PROGRESS, operator=operator)
    services.request_add_message(request=seen_to, by=None, text="Ещё одно письмо")
    services.request_add_note(request=seen_to, by=operator, text="Позвонила заявителю")
    clarified = make_request(applicant=applicant, status=S.WAITING_APPLICANT, operator=operator)
    services.request_clarify(request=clarified, by=applicant_user, text="Дом 13")
    quiet = make_request(applicant=applicant, status=S.IN_PROGRESS, operator=operator)
    response = _queue(desk, view="open")
    marked = {case.pk: case.applicant_wrote_last for case in response.context["page"].items}
    assert marked == {written.pk: True, seen_to.pk: False, clarified.pk: True, quiet.pk: False}
    assert response.content.decode().count("новое от заявителя") == 2


@pytest.mark.django_db
def test_bulk_take(desk, operator, operator2):
    one, two, three = make_request(), make_request(), make_request()
    services.request_take(request=three, by=operator2)
    response = desk.post(reverse("portal:queue_take"), {"ids": [one.pk, two.pk, three.pk]})
    assert response.status_code == 302
    assert set(Request.objects.filter(operator=operator).values_list("pk", flat=True)) == {
        one.pk,
        two.pk,
    }
    three.refresh_from_db()
    assert three.operator == operator2


@pytest.mark.django_db
def test_bulk_take_without_ticks_changes_nothing(desk):
    make_request()
    response = desk.post(reverse("portal:queue_take"), {})
    assert response.status_code == 302
    assert not Request.objects.filter(operator__isnull=False).exists()


def _said(response) -> str:
    return " | ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.django_db
def test_bulk_assign_names_what_was_assigned_and_what_someone_else_changed_meanwhile(
    desk, operator, operator2, supervisor, monkeypatch
):
    new = make_request()
    working = make_request(status=S.IN_PROGRESS, operator=operator)
    contested = make_request(status=S.IN_PROGRESS, operator=operator)
    closed = make_request(status=S.CLOSED, operator=operator)
    real_get = desk_views.cases.request_get_for

    def loaded_then_changed_by_another(*, user, pk):
        loaded = real_get(user=user, pk=pk)
        if loaded.pk == contested.pk:
            # Between our read and our write, the supervisor hands it to themselves.
            services.request_assign(
                request=real_get(user=user, pk=pk), by=supervisor, operator=supervisor
            )
        return loaded

    monkeypatch.setattr(desk_views.cases, "request_get_for", loaded_then_changed_by_another)
    ticked = [new.pk, working.pk, contested.pk, closed.pk, 999999]
    response = desk.post(
        reverse("portal:queue_assign"),
        {"ids": ticked, "operator": operator2.pk, "next": "/desk/?view=all"},
    )
    assert response.status_code == 302 and response.url == "/desk/?view=all"
    said = _said(response)
    assert f"{new.number}, {working.number}." in said
    for number in (contested.number, closed.number):
        assert f"{number}: " in said
        assert f"{number}," not in said  # not among the assigned
    assert "999999" in said
    operators = dict(Request.objects.values_list("pk", "operator__username"))
    assert operators == {
        new.pk: "operator2",
        working.pk: "operator2",
        contested.pk: "supervisor",
        closed.pk: "operator",
    }
    assert Request.objects.get(pk=new.pk).status == S.IN_PROGRESS
    assert History.objects.filter(action="assign", actor=operator).count() == 2


@pytest.mark.django_db
def test_bulk_assign_without_an_operator_changes_nothing(desk, operator2):
    case = make_request()
    response = desk.post(reverse("portal:queue_assign"), {"ids": [case.pk], "operator": ""})
    assert response.status_code == 302
    assert "Выберите оператора" in _said(response)
    case.refresh_from_db()
    assert (case.status, case.operator) == (S.REGISTERED, None)


@pytest.mark.django_db
def test_queue_offers_active_operators_and_ticks_every_open_row(desk, operator, operator2):
    gone = user_create(username="gone", password="pass-for-tests-1", role=User.Role.OPERATOR)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    working = make_request(status=S.IN_PROGRESS, operator=operator)
    closed = make_request(status=S.CLOSED, operator=operator)
    response = _queue(desk, view="all")
    choices = [
        label
        for value, label in response.context["assign_form"].fields["operator"].choices
        if value
    ]
    assert sorted(choices) == ["operator2", "Смирнова Ольга (operator)"]
    body = response.content.decode()
    assert f'name="ids" value="{working.pk}"' in body
    assert f'name="ids" value="{closed.pk}"' not in body
    assert reverse("portal:queue_assign") in body


# --- Card ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_card_records_personal_data_access(desk, operator):
    case = make_request()
    response = desk.get(reverse("portal:desk_card", args=[case.pk]))
    assert response.status_code == 200
    assert case.applicant.full_name in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.actor, access.applicant, access.context) == (
        operator,
        case.applicant,
        case.number,
    )


@pytest.mark.django_db
def test_card_shows_duplicates_of_the_same_applicant(desk):
    applicant = ApplicantFactory()
    case = make_request(applicant=applicant)
    other = make_request(applicant=applicant, subject="Тот же вопрос ещё раз")
    unrelated = make_request()
    duplicates = desk.get(reverse("portal:desk_card", args=[case.pk])).context["duplicates"]
    assert [d.pk for d in duplicates] == [other.pk]
    assert unrelated.pk not in [d.pk for d in duplicates]


@pytest.mark.django_db
def test_take_then_answer_then_close(desk, operator):
    case = make_request()
    desk.post(reverse("portal:desk_take", args=[case.pk]))
    response = desk.post(reverse("portal:desk_answer", args=[case.pk]), {"text": "Ответ"})
    assert response.status_code == 302
    desk.post(reverse("portal:desk_close", args=[case.pk]))
    case.refresh_from_db()
    assert (case.status, case.operator) == (S.CLOSED, operator)


@pytest.mark.django_db
def test_taking_a_taken_request_is_a_conflict(desk, operator2):
    case = make_request(status=S.IN_PROGRESS, operator=operator2)
    url = reverse("portal:desk_take", args=[case.pk])
    htmx = desk.post(url, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 409
    assert "message-error" in htmx.content.decode()
    plain = desk.post(url)
    assert plain.status_code == 302
    assert "message-error" in desk.get(plain.url).content.decode()


@pytest.mark.django_db
def test_someone_else_answering_first_is_a_conflict(desk, operator, operator2, monkeypatch):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    real_get = desk_views.cases.request_get_for

    def loaded_then_changed_by_another(*, user, pk):
        loaded = real_get(user=user, pk=pk)
        # Between our read and our write, another operator answers.
        services.request_answer(request=real_get(user=user, pk=pk), by=operator2, text="Их ответ")
        return loaded

    monkeypatch.setattr(desk_views.cases, "request_get_for", loaded_then_changed_by_another)
    response = desk.post(
        reverse("portal:desk_answer", args=[case.pk]), {"text": "Мой ответ"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409
    assert "message-error" in response.content.decode()
    assert list(case.answers.values_list("text", flat=True)) == ["Их ответ"]


@pytest.mark.django_db
def test_empty_answer_is_refused_next_to_the_field(desk, operator):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    response = desk.post(reverse("portal:desk_answer", args=[case.pk]), {"text": "   "})
    assert response.status_code == 422
    assert "text" in response.context["answer_form"].errors


@pytest.mark.django_db
def test_answer_template_fills_placeholders(desk, operator, authority):
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    template = AnswerTemplate.objects.create(
        title="Срок", text="{applicant_name}, по обращению {number} ответ до {due_date}. {other}"
    )
    response = desk.get(
        reverse("portal:desk_template", args=[case.pk]),
        {"template": template.pk},
        HTTP_HX_REQUEST="true",
    )
    due = workdays.moscow_date(case.due_at).strftime("%d.%m.%Y")
    body = response.content.decode()
    assert (
        f"{case.applicant.full_name}, по обращению {case.number} ответ до {due}. {{other}}" in body
    )
    no_js = desk.get(reverse("portal:desk_template", args=[case.pk]), {"template": template.pk})
    assert no_js.status_code == 302
    assert case.number in desk.get(no_js.url).context["answer_form"].initial["text"]


@pytest.mark.django_db
def test_escalate_dialog_shows_the_due_date_before_confirming(desk, operator, authority, topic):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    services.request_set_topic(request=case, by=operator, topic=topic)
    url = reverse("portal:desk_escalate", args=[case.pk])
    response = desk.get(url, HTTP_HX_REQUEST="true")
    due = workdays.answer_due(timezone.now())
    assert due.strftime("%d.%m.%Y") in response.content.decode()
    assert response.context["form"].fields["authority"].initial == authority.pk
    assert Request.objects.get(pk=case.pk).status == S.IN_PROGRESS
    done = desk.post(url, {"authority": authority.pk, "question": "Каков срок?"})
    assert done.status_code == 302
    escalation = Escalation.objects.get(request=case)
    assert (escalation.authority, escalation.question) == (authority, "Каков срок?")


@pytest.mark.django_db
def test_escalating_a_new_request_is_a_conflict(desk, authority):
    case = make_request()
    response = desk.post(
        reverse("portal:desk_escalate", args=[case.pk]),
        {"authority": authority.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert not Escalation.objects.exists()


@pytest.mark.django_db
def test_reassign_needs_a_reason(desk, operator, authority, other_authority):
    case = make_request(status=S.ESCALATED, operator=operator, authority=authority)
    url = reverse("portal:desk_reassign", args=[case.pk])
    assert desk.post(url, {"authority": other_authority.pk, "reason": ""}).status_code == 422
    assert (
        desk.post(url, {"authority": other_authority.pk, "reason": "Не тот орган"}).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.authority == other_authority


@pytest.mark.django_db
def test_card_assigns_to_another_operator(desk, operator, operator2):
    case = make_request()
    url = reverse("portal:desk_assign", args=[case.pk])
    response = desk.post(url, {"operator": operator2.pk})
    assert response.status_code == 302
    assert case.number in _said(response) and "operator2" in _said(response)
    case.refresh_from_db()
    assert (case.status, case.operator) == (S.IN_PROGRESS, operator2)
    page = desk.get(reverse("portal:desk_card", args=[case.pk])).content.decode()
    assert "— → operator2" in page  # the internal timeline row


@pytest.mark.django_db
def test_card_assign_to_the_current_operator_is_refused_next_to_the_field(desk, operator):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    response = desk.post(reverse("portal:desk_assign", args=[case.pk]), {"operator": operator.pk})
    assert response.status_code == 422
    form = response.context["assign_form"]
    assert "operator" in form.errors
    body = response.content.decode()
    assert 'id="assign_operator_errors"' in body
    assert f'<option value="{operator.pk}" selected>' in body  # the choice is kept
    assert History.objects.filter(request=case, action="assign").count() == 0


@pytest.mark.django_db
def test_card_of_a_closed_request_offers_no_assignment_and_refuses_one(desk, operator, operator2):
    case = make_request(status=S.CLOSED, operator=operator)
    page = desk.get(reverse("portal:desk_card", args=[case.pk])).content.decode()
    assert reverse("portal:desk_assign", args=[case.pk]) not in page
    response = desk.post(
        reverse("portal:desk_assign", args=[case.pk]),
        {"operator": operator2.pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    case.refresh_from_db()
    assert case.operator == operator


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["applicant_user", "specialist"])
def test_assigning_is_closed_to_applicants_and_specialists(client, persona, request, operator2):
    case = make_request()
    client.force_login(request.getfixturevalue(persona))
    for url, data in (
        (reverse("portal:desk_assign", args=[case.pk]), {"operator": operator2.pk}),
        (reverse("portal:queue_assign"), {"ids": [case.pk], "operator": operator2.pk}),
    ):
        assert client.post(url, data).status_code == 403
    case.refresh_from_db()
    assert case.operator is None


@pytest.mark.django_db
def test_notes_stay_internal(desk, operator, client, applicant_user):
    case = make_request(applicant=applicant_user.applicant, status=S.IN_PROGRESS, operator=operator)
    desk.post(reverse("portal:desk_note", args=[case.pk]), {"text": "Перезвонить завтра"})
    note = History.objects.get(request=case, action="note")
    assert note.is_public is False
    assert (
        "Перезвонить завтра"
        in desk.get(reverse("portal:desk_card", args=[case.pk])).content.decode()
    )


@pytest.mark.django_db
def test_under_review_prefills_the_authority_answer(desk, operator, specialist, authority):
    case = make_request(status=S.UNDER_REVIEW, operator=operator, authority=authority)
    response = desk.get(reverse("portal:desk_card", args=[case.pk]))
    assert response.context["answer_form"].initial["text"] == "Ответ органа."


# --- Phone intake ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_phone_intake_finds_the_known_caller(desk, operator):
    known = Applicant.objects.create(full_name="Петров П.", phone="+74951112233")
    called = timezone.localtime() - timedelta(minutes=3)
    response = desk.post(
        reverse("portal:phone_intake"),
        {
            "phone": "8 495 111-22-33",
            "registered_at": called.strftime("%Y-%m-%dT%H:%M"),
            "subject": "Шум на стройке",
            "text": "Работают ночью",
        },
    )
    assert response.status_code == 302
    case = Request.objects.get()
    assert (case.applicant, case.channel, case.created_by) == (known, "phone", operator)
    assert abs((case.registered_at - called).total_seconds()) < 60


@pytest.mark.django_db
def test_phone_intake_needs_a_name_for_a_new_caller_and_keeps_input(desk):
    response = desk.post(
        reverse("portal:phone_intake"),
        {
            "phone": "+7 916 000-00-01",
            "registered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "subject": "Вопрос",
            "text": "Текст вопроса звонящего",
        },
    )
    assert response.status_code == 422
    assert "full_name" in response.context["form"].errors
    assert "Текст вопроса звонящего" in response.content.decode()
    assert not Request.objects.exists()


@pytest.mark.django_db
def test_phone_intake_refuses_a_call_in_the_future(desk):
    later = timezone.localtime() + timedelta(hours=2)
    response = desk.post(
        reverse("portal:phone_intake"),
        {
            "phone": "+7 916 000-00-01",
            "full_name": "Новый",
            "registered_at": later.strftime("%Y-%m-%dT%H:%M"),
            "subject": "Вопрос",
            "text": "Текст",
        },
    )
    assert "registered_at" in response.context["form"].errors


@pytest.mark.django_db
def test_phone_lookup_shows_known_callers_and_records_access(desk, operator):
    Applicant.objects.create(full_name="Петров П.", phone="+74951112233")
    response = desk.get(
        reverse("portal:phone_lookup"), {"phone": "84951112233"}, HTTP_HX_REQUEST="true"
    )
    assert "Петров П." in response.content.decode()
    assert PersonalDataAccess.objects.filter(actor=operator, context="phone intake").count() == 1
    empty = desk.get(reverse("portal:phone_lookup"), {"phone": "123"}, HTTP_HX_REQUEST="true")
    assert "Петров" not in empty.content.decode()


@pytest.mark.django_db
def test_queue_and_card_show_html_as_text(desk):
    case = make_request(subject='<script>alert("q")</script>')
    for url in (reverse("portal:queue"), reverse("portal:desk_card", args=[case.pk])):
        body = desk.get(url).content.decode()
        assert '<script>alert("q")' not in body
        assert "&lt;script&gt;alert(&quot;q&quot;)&lt;/script&gt;" in body


@pytest.mark.django_db
def test_card_answer_section_loads_the_knowledge_base_panel(desk, operator):
    from stroydesk.cases import services

    case = make_request()
    services.request_take(request=case, by=operator)
    page = desk.get(reverse("portal:desk_card", args=[case.pk])).content.decode()
    panel_url = reverse("portal:desk_kb_panel", args=[case.pk])
    assert f'hx-get="{panel_url}?target=%23answer_text"' in page
    assert desk.get(panel_url).status_code == 200


@pytest.mark.django_db
def test_a_unicode_digit_template_is_no_template(desk, operator):
    case = make_request(status=S.IN_PROGRESS, operator=operator)
    card = desk.get(reverse("portal:desk_card", args=[case.pk]), {"template": "²"})
    assert card.status_code == 200
    fill = desk.get(
        reverse("portal:desk_template", args=[case.pk]), {"template": "²"}, HTTP_HX_REQUEST="true"
    )
    assert fill.status_code == 404
