from __future__ import annotations

import pytest

URL = "/api/v1/routing/suggest/"
PERMIT = "Подали документы на разрешение на строительство склада, какой срок рассмотрения?"


def test_suggest_answers_the_documented_shape(trained, api, operator):
    response = api(operator).post(
        URL, {"subject": "Разрешение", "text": PERMIT, "applicant_type": "developer"}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["topic"]["code"] == "construction-permit"
    assert data["authority"]["code"] == "mosgosstroynadzor"
    assert 0 < data["topic"]["confidence"] <= 1
    codes = [a["code"] for a in data["authorities"]]
    assert len(codes) >= 3 and codes[0] == "mosgosstroynadzor"
    confidences = [a["confidence"] for a in data["authorities"]]
    assert confidences == sorted(confidences, reverse=True)
    assert data["source"] == "model" and data["model_version"] == 1
    assert data["similar"] == []


@pytest.mark.parametrize(
    "text",
    ["", "1234567890 000 77", "razreshenie na stroitelstvo sklada", "🏗️🏗️😡🔥", "   "],
)
def test_odd_input_gets_an_answer_not_an_error(trained, api, operator, text):
    response = api(operator).post(URL, {"subject": "", "text": text}, format="json")
    assert response.status_code == 200
    assert len(response.json()["authorities"]) >= 3


def test_a_text_over_the_limit_is_refused_with_a_message(trained, api, operator):
    response = api(operator).post(URL, {"text": "а" * 1_000_000}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


def test_a_bad_applicant_type_is_refused(trained, api, operator):
    response = api(operator).post(URL, {"text": PERMIT, "applicant_type": "alien"}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("who", ["applicant_user", "specialist"])
def test_applicants_and_specialists_are_refused(directory, api, request, who):
    response = api(request.getfixturevalue(who)).post(URL, {"text": PERMIT}, format="json")
    assert response.status_code == 403


def test_anonymous_is_refused(directory, api):
    assert api().post(URL, {"text": PERMIT}, format="json").status_code in (401, 403)


def test_the_endpoint_is_in_the_openapi_document(api, admin_user):
    schema = api(admin_user).get("/api/schema/?format=json").json()
    post = schema["paths"][URL]["post"]
    assert "SuggestOut" in str(post["responses"]["200"])
