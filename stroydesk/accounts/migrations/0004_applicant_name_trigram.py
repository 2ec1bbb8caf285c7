"""A trigram index over applicants' names (PostgreSQL only): the center's staff find requests by
a part of the applicant's name, in any case (``applicant_ids_matching``), among hundreds of
thousands of applicants. Django's ``icontains`` compares ``UPPER(full_name)``, hence the
expression."""

from django.db import migrations

INDEX = "applicant_full_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON accounts_applicant "
            "USING gin (UPPER(full_name::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_email_confirmed_at")]

    operations = [migrations.RunPython(create, drop)]
