"""Render and lemmatise every article again (after an upgrade of the text analysis)."""

from django.core.management.base import BaseCommand

from stroydesk.kb.models import Article
from stroydesk.kb.services import article_reindex


class Command(BaseCommand):
    help = "Rebuild the search index of the knowledge base: HTML, lemmas, vocabulary, FTS."

    def handle(self, *args, **options):
        count = 0
        for article in Article.objects.order_by("pk").iterator(chunk_size=200):
            article_reindex(article=article)
            count += 1
        self.stdout.write(f"knowledge base: {count} articles reindexed")
