"""Loading the catalogue file: a bad file names its fault and leaves the catalogue in force."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from stroydesk.procedures import services
from stroydesk.procedures.models import CatalogueLoad, Procedure

pytestmark = pytest.mark.django_db


def write(tmp_path, data):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_migration_puts_the_file_in_force():
    Procedure.objects.all().delete()
    CatalogueLoad.objects.all().delete()
    migration = importlib.import_module("stroydesk.procedures.migrations.0002_load_catalogue")
    migration.load(django_apps, None)
    assert Procedure.objects.filter(code="construction-permit", term=5).exists()
    assert CatalogueLoad.objects.filter(loaded_by="migration").exists()


def test_dangling_dependency_fails_and_the_catalogue_stays(tmp_path, catalogue_json):
    catalogue_json["procedures"] = catalogue_json["procedures"][:3]  # drops what others need
    catalogue_json["procedures"][1]["depends_on"] = ["ghost"]
    count = Procedure.objects.count()
    with pytest.raises(ValidationError, match="ghost"):
        services.catalogue_load(path=write(tmp_path, catalogue_json))
    assert Procedure.objects.count() == count


def test_cycle_fails_through_the_command_naming_it(tmp_path, catalogue_json):
    for entry in catalogue_json["procedures"]:
        if entry["code"] == "agr":
            entry["depends_on"] = ["expertise"]
    with pytest.raises(CommandError, match=r"cycle: .*agr"):
        call_command("procedures_load", file=write(tmp_path, catalogue_json))
    assert Procedure.objects.get(code="agr").depends_on == ["gpzu"]


def test_a_new_version_replaces_the_catalogue(tmp_path, catalogue_json, capsys):
    catalogue_json["version"] = "test-2"
    for entry in catalogue_json["procedures"]:
        if entry["code"] == "gpzu":
            entry["term"]["max"] = 10
    call_command("procedures_load", file=write(tmp_path, catalogue_json))
    assert "test-2" in capsys.readouterr().out
    assert Procedure.objects.get(code="gpzu").term == 10
    assert services.catalogue_version() == "test-2"
