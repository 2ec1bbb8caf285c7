"""The dashboard page, its JSON, the CSV/XLSX exports; who may see them; bad input."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from stroydesk.stats.forms import ReportForm
from stroydesk.stats.selectors import report

from .conftest import msk

pytestmark = pytest.mark.django_db

MARCH = {"period": "month", "date": "2021-03-15"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(msk(4, 30, 12), tick=False):
        yield


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_shows_the_figures_in_tables(march, supervisor):
    response = client_for(supervisor).get("/stats/", MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="received">4<' in html
    assert "Мосгосстройнадзор" in html  # the 4-day promise per authority
    assert "/stats/dashboard.json?period=month" in html
    assert "stats/vendor/chart-4.6.1.umd.min.js" in html
    assert "Поступило" in html and "Received" not in html  # Russian by default


def test_dashboard_in_english(march, supervisor):
    client = client_for(supervisor)
    client.cookies["django_language"] = "en"
    html = client.get("/stats/", MARCH, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Channel mix" in html


def test_dashboard_without_parameters_shows_this_year(supervisor, directory):
    response = client_for(supervisor).get("/stats/")
    assert response.status_code == 200
    assert "01.01.2021" in response.content.decode()


def test_dashboard_bad_input_keeps_the_form_with_the_message(supervisor, directory):
    response = client_for(supervisor).get("/stats/", {"from": "2021-05-01", "to": "2021-04-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="2021-05-01"' in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_from_errors"' in html


def test_dashboard_json_matches_the_report(march, admin_user):
    data = client_for(admin_user).get("/stats/dashboard.json", MARCH).json()
    assert data["figures"]["received"] == 4
    assert data["unit"] == "day"
    assert sum(row["received"] for row in data["volume"]) == 4
    assert {row["key"]: row["received"] for row in data["channels"]} == {
        "phone": 1,
        "portal": 1,
        "email": 1,
        "api": 1,
    }
    assert [(row["label"], row["sla_due"], row["sla_met"]) for row in data["sla"]] == [
        ("Мосгосстройнадзор", 2, 1)
    ]
    year = client_for(admin_user).get("/stats/dashboard.json", {"period": "year"}).json()
    assert year["unit"] == "month"
    assert len(year["volume"]) == 12
    assert client_for(admin_user).get("/stats/dashboard.json", {"group_by": "x"}).status_code == 400


@pytest.mark.parametrize("role", ["operator", "specialist", "applicant_user"])
def test_other_roles_get_403(request, role):
    client = client_for(request.getfixturevalue(role))
    for url in ("/stats/", "/stats/dashboard.json", "/stats/export.csv", "/stats/yearly.csv"):
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_sign_in(db):
    response = Client().get("/stats/")
    assert response.status_code == 302
    assert "next=/stats/" in response["Location"]


def test_csv_export_has_the_period_filters_and_the_same_figures(march, supervisor):
    params = {**MARCH, "group_by": "channel", "applicant_type": "resident"}
    response = client_for(supervisor).get("/stats/export.csv", params)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('2021-03-01-2021-03-31-channel.csv"')
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert ["Период", "01.03.2021 – 31.03.2021"] in lines
    assert ["Фильтр: Тип заявителя", "Физическое лицо"] in lines
    header = next(line for line in lines if line and line[0] == "По каналу")
    total = lines[-1]
    form = ReportForm(params)
    assert form.is_valid()
    expected = report(form.cleaned_data["query"])
    assert total[0] == "Итого"
    assert int(total[header.index("Поступило")]) == expected.total["received"] == 3


def test_xlsx_export(march, supervisor):
    response = client_for(supervisor).get("/stats/export.xlsx", {**MARCH, "group_by": "month"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[1][:2] == ["Период", "01.03.2021 – 31.03.2021"]
    assert cells[3][:2] == ["Фильтры", "нет: все обращения"]
    assert cells[-1][0] == "Итого"
    assert cells[-1][1] == 4


def test_yearly_export(march, supervisor):
    response = client_for(supervisor).get("/stats/yearly.xlsx", {"years": "2020,2021"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    years = [row[:2] for row in sheet.iter_rows(values_only=True) if row[0] in (2020, 2021)]
    assert years == [(2020, 0), (2021, 6)]
    assert client_for(supervisor).get("/stats/yearly.csv", {"years": "1800"}).status_code == 400


def test_the_dashboard_reads_a_fixed_number_of_queries(
    march, supervisor, django_assert_max_num_queries
):
    """Aggregates over rollups: at most 40 queries for a year or for five years."""
    client = client_for(supervisor)
    with django_assert_max_num_queries(40):
        client.get("/stats/", {"period": "year"})
    with django_assert_max_num_queries(40):
        client.get("/stats/", {"from": "2017-01-01", "to": "2021-12-31", "channel": "phone"})


def test_xlsx_by_authority_counts_a_returned_request_with_its_authority(march, supervisor):
    """«Не передавалось в органы» once showed «Передано в органы: 15» — the returned ones."""
    from stroydesk.cases import services
    from stroydesk.stats.services import rollups_refresh

    from .conftest import register

    returned = register(march.requests["r1"].applicant, "portal", msk(3, 3, 10), march.topic)
    services.request_take(request=returned, by=march.operator, at=msk(3, 3, 10, 5))
    services.request_escalate(
        request=returned, by=march.operator, authority=march.authority, at=msk(3, 3, 11)
    )
    services.request_decline(
        request=returned, by=march.specialist, reason="Не наша компетенция.", at=msk(3, 4, 11)
    )
    rollups_refresh()
    response = client_for(supervisor).get("/stats/export.xlsx", {**MARCH, "group_by": "authority"})
    cells = [
        list(row)
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
    ]
    header = next(row for row in cells if row and row[0] == "По органу власти")
    escalated = header.index("Передано в органы")
    rows = {row[0]: row for row in cells[cells.index(header) + 1 :]}
    assert rows["Не передавалось в органы"][escalated] == 0
    assert rows[march.authority.short_name][escalated] == 3
