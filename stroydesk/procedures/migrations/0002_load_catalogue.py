"""Load the catalogue file into a fresh database, so the calculator works before anyone runs
``manage.py procedures_load``. Later versions of the file are loaded by that command."""

from django.db import migrations


def load(apps, schema_editor):
    from stroydesk.procedures.loading import read_catalogue, write_catalogue

    version, specs = read_catalogue()
    write_catalogue(
        apps.get_model("procedures", "Procedure"),
        apps.get_model("procedures", "CatalogueLoad"),
        version,
        specs,
        "migration",
    )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
