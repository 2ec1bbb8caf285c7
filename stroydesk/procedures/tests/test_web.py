"""Pages: the calculator with its Gantt chart, exports, saving, who sees a saved plan, asking."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from stroydesk.cases.models import Request
from stroydesk.procedures import selectors, services
from stroydesk.procedures.models import PlanRequestLink, SavedPlan

pytestmark = pytest.mark.django_db

QUERY = {
    "object_type": "residential_multi",
    "funding": "private",
    "floors": "17",
    "height_m": "55",
    "total_area_m2": "24000",
    "connections": ["water", "heat"],
    "expertise": "state",
    "sells_off_plan": "on",
    "works_days": "0",
    "start_date": "2027-02-15",
}
PROFILE = {
    "object_type": "residential_multi",
    "floors": 17,
    "connections": ["water", "heat"],
    "expertise": "state",
}


@pytest.fixture
def saved(applicant_user):
    return services.plan_save(
        owner=applicant_user,
        profile=PROFILE,
        start_date=__import__("datetime").date(2027, 2, 15),
        title="ЖК на Полярной",
    )


def test_calculator_form_has_defaults_and_explanations(client):
    response = client.get(reverse("procedures:calculator"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="residential_multi" selected' in html
    assert "proc-step" in html and "help" in html
    assert "<svg" not in html


def test_plan_page_shows_table_and_gantt_with_days_off(client):
    response = client.get(reverse("procedures:calculator"), QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="gantt-row"') == len(response.context["plan"].steps)
    assert 'class="day-off"' in html and "bar-critical" in html
    assert 'data-code="developer-conformity"' in html
    assert " style=" not in html and "<script>" not in html
    # SVG coordinates must not follow the Russian locale's decimal comma
    assert not re.search(r'(x|width)="\d+,\d', html)


def test_htmx_gets_the_fragment(client):
    response = client.get(reverse("procedures:calculator"), QUERY, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and "<svg" in response.content.decode()


def test_contradictory_profile_is_a_form_error(client):
    query = {**QUERY, "object_type": "individual_house", "floors": "30", "expertise": "none"}
    query.pop("sells_off_plan")
    response = client.get(reverse("procedures:calculator"), query)
    assert response.status_code == 422
    assert response.context["form"].errors["floors"]


def test_exports(client):
    xlsx = client.get(reverse("procedures:export", args=["xlsx"]), QUERY)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.active["A2"].value == "gpzu"
    pdf = client.get(reverse("procedures:export", args=["pdf"]), QUERY)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = client.get(reverse("procedures:export", args=["pdf"]), {"floors": "x"})
    assert bad.status_code == 400


def test_compare_page_shows_days_saved(client):
    response = client.get(reverse("procedures:compare"), {**QUERY, "b_sells_off_plan": ""})
    assert response.status_code == 200
    assert response.context["result"].calendar_days_saved > 0


def test_applicant_saves_a_plan_and_sees_it_recomputed(client, applicant_user):
    client.force_login(applicant_user)
    response = client.post(reverse("procedures:save"), {**QUERY, "title": "Мой дом"})
    plan = SavedPlan.objects.get(owner=applicant_user)
    assert response.status_code == 302 and response.url == reverse(
        "procedures:saved", args=[plan.pk]
    )
    assert plan.profile["sells_off_plan"] is True and plan.title == "Мой дом"
    page = client.get(reverse("procedures:saved", args=[plan.pk]))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    listing = client.get(reverse("procedures:saved_list"))
    assert "Мой дом" in listing.content.decode()


def test_anonymous_cannot_save(client):
    response = client.post(reverse("procedures:save"), QUERY)
    assert response.status_code == 302 and "login" in response.url
    assert not SavedPlan.objects.exists()


def test_another_applicant_gets_404(client, saved, other_applicant_user):
    client.force_login(other_applicant_user)
    assert client.get(reverse("procedures:saved", args=[saved.pk])).status_code == 404
    url = reverse("procedures:saved_export", args=[saved.pk, "pdf"])
    assert client.get(url).status_code == 404
    ask = client.post(reverse("procedures:ask", args=[saved.pk]), {"question": "?"})
    assert ask.status_code == 404
    assert not Request.objects.exists()


def test_specialist_may_not_open_saved_plans(client, saved, specialist):
    client.force_login(specialist)
    assert client.get(reverse("procedures:saved", args=[saved.pk])).status_code == 403


def test_operator_sees_a_plan_only_once_it_is_attached_to_a_request(
    client, saved, applicant_user, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    assert client.get(reverse("procedures:saved", args=[saved.pk])).status_code == 404
    client.force_login(applicant_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("procedures:ask", args=[saved.pk]), {"question": "Можно ли быстрее?"}
        )
    assert response.status_code == 302
    request = Request.objects.get()
    assert "Можно ли быстрее?" in request.text
    assert reverse("procedures:saved", args=[saved.pk]) in request.text
    assert request.attachments.get().original_name.endswith(".pdf")
    assert PlanRequestLink.objects.filter(plan=saved, request_id=request.pk).exists()
    client.force_login(operator)
    assert client.get(reverse("procedures:saved", args=[saved.pk])).status_code == 200
    listing = client.get(reverse("procedures:for_request", args=[request.pk]))
    assert saved.title in listing.content.decode()
    assert selectors.plan_get_for(user=operator, pk=saved.pk) == saved


def test_empty_question_is_a_form_error(client, saved, applicant_user):
    client.force_login(applicant_user)
    response = client.post(reverse("procedures:ask", args=[saved.pk]), {"question": ""})
    assert response.status_code == 422
    assert not Request.objects.exists()


def test_home_page_offers_the_calculator(client):
    html = client.get("/").content.decode()
    assert reverse("procedures:calculator") in html
