"""``manage.py createsuperuser`` makes an administrator of the center, who opens the staff pages."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from stroydesk.accounts.models import User


@pytest.mark.django_db
def test_createsuperuser_makes_an_admin(client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-for-tests-1")
    call_command(
        "createsuperuser", interactive=False, username="root", email="root@example.ru", verbosity=0
    )
    user = User.objects.get(username="root")
    assert (user.is_superuser, user.is_staff, user.role) == (True, True, User.Role.ADMIN)
    client.force_login(user)
    assert client.get("/stats/").status_code == 200
    assert client.get("/admin/").status_code == 200
