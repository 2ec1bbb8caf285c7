"""The full-text index over article lemmas, per database.

PostgreSQL: a generated ``tsvector`` column over the lemma text (weights A title, B tags, C body)
with a GIN index, and pg_trgm with a trigram GIN index over the vocabulary for typo correction.
SQLite: an FTS5 table over the same lemma text, kept in step by ``kb.services``.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    ALTER TABLE kb_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, search_title), 'A')
        || setweight(to_tsvector('simple'::regconfig, search_tags), 'B')
        || setweight(to_tsvector('simple'::regconfig, search_body), 'C')
    ) STORED
    """,
    "CREATE INDEX kb_article_search_gin ON kb_article USING gin (search_vector)",
    "CREATE INDEX kb_searchterm_form_trgm ON kb_searchterm USING gin (form gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS kb_searchterm_form_trgm",
    "DROP INDEX IF EXISTS kb_article_search_gin",
    "ALTER TABLE kb_article DROP COLUMN IF EXISTS search_vector",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS kb_article_fts USING fts5("
    "title, tags, body, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS kb_article_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
