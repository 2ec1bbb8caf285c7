"""Every article's vector computed again: it now holds navec's space after the field's own.

Vectors of the old length are skipped by search (kb.semantic.article_matrix) until recomputed;
this brings an existing database up to date with the release instead of with the next
``manage.py kb_reindex``.
"""

import uuid

from django.db import migrations


def recompute(apps, schema_editor):
    # The vectors depend on the shipped word vectors, not on the schema: the current code is
    # the only one that can compute them.
    from stroydesk.kb.semantic import article_embedding

    Article = apps.get_model("kb", "Article")
    SearchIndexState = apps.get_model("kb", "SearchIndexState")
    rows = Article.objects.values_list("pk", "search_title", "search_tags", "search_body")
    for pk, title, tags, body in rows.iterator(chunk_size=500):
        Article.objects.filter(pk=pk).update(embedding=article_embedding(title, tags, body))
    SearchIndexState.objects.filter(pk=1).update(token=str(uuid.uuid4()))


class Migration(migrations.Migration):
    dependencies = [("kb", "0003_semantic_dictionary")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
