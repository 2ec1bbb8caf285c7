from __future__ import annotations

import json

import pytest
from django.forms.models import model_to_dict

from stroydesk.procedures.models import Procedure

pytestmark = pytest.mark.django_db


def _post_data(procedure, **changes):
    data = {k: v for k, v in model_to_dict(procedure).items() if k not in ("id",)}
    data.update(changes)
    for key in ("documents", "depends_on", "applies_when", "optional_when"):
        data[key] = json.dumps(data[key], ensure_ascii=False)
    data["fee_rub"] = "" if data["fee_rub"] is None else data["fee_rub"]
    return data


def test_admin_refuses_an_edit_that_makes_a_cycle_and_accepts_a_good_one(client, admin_user):
    assert admin_user.is_staff
    client.force_login(admin_user)
    agr = Procedure.objects.get(code="agr")
    url = f"/admin/procedures/procedure/{agr.pk}/change/"
    assert client.get(url).status_code == 200
    bad = client.post(url, _post_data(agr, depends_on=["expertise"]))
    assert bad.status_code == 200 and "cycle" in bad.content.decode()
    assert Procedure.objects.get(code="agr").depends_on == ["gpzu"]
    good = client.post(url, _post_data(agr, term=25))
    assert good.status_code == 302
    assert Procedure.objects.get(code="agr").term == 25
