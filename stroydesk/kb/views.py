"""Pages of the knowledge base: search, articles, feedback, suggestions, and editors' views."""

from __future__ import annotations

import difflib

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stroydesk.directory.models import Topic
from stroydesk.kb import selectors, services
from stroydesk.web.views import is_htmx, page_for

SUGGEST_MIN_CHARS = 4


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=1000)
    topic = forms.ModelChoiceField(queryset=Topic.objects.all(), required=False)


def _session_key(request: HttpRequest) -> str:
    """The visitor's session key, creating the session if the visitor has none yet."""
    if not request.session.session_key:
        # An empty session is not saved nor sent as a cookie; a marker makes it stick.
        request.session["kb_visitor"] = True
        request.session.save()
    return request.session.session_key or ""


# Pages of the staff and of the editors: another role gets 403 (stroydesk.web's one rule), an
# article the user may not read stays 404.
staff_page = page_for(selectors.user_is_kb_staff)
editor_page = page_for(selectors.user_is_kb_editor)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The search page; without a query, the list of articles, with facets by topic."""
    form = SearchForm(request.GET)
    form.is_valid()
    query = form.cleaned_data.get("q") or ""
    topic = form.cleaned_data.get("topic")
    context: dict = {"form": form, "query": query, "topic": topic}
    if query.strip():
        results = selectors.article_search(query, user=request.user, limit=20, topic=topic)
        if not results and topic is None:
            services.search_miss_record(query=query)
        context["results"] = results
    else:
        articles = selectors.article_list_for(user=request.user, topic=topic)
        context["page"] = page = Paginator(articles, 100).get_page(request.GET.get("page"))
        context["sections"] = selectors.article_index_sections(page)
    return render(request, "kb/index.html", context)


@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = selectors.article_get_for(user=request.user, slug=slug)
    context = {
        "article": article,
        "related": selectors.article_related_for(user=request.user, article=article),
        "topics": article.topics.all(),
        "is_editor": selectors.user_is_kb_editor(request.user),
    }
    return render(request, "kb/article.html", context)


@require_POST
def article_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Was this helpful?" — answered by a button; an HTMX partial replaces the question."""
    article = selectors.article_get_for(user=request.user, slug=slug)
    helpful = request.POST.get("helpful") == "yes"
    counted = services.article_feedback_record(
        article=article,
        session_key=_session_key(request),
        helpful=helpful,
        comment=request.POST.get("comment", ""),
    )
    context = {"article": article, "counted": counted, "helpful": helpful}
    if is_htmx(request):
        return render(request, "kb/partials/feedback_thanks.html", context)
    messages.success(request, _("Thank you for your feedback."))
    return redirect(article.get_absolute_url())


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Public articles matching a question being typed on the portal (HTMX partial)."""
    subject = request.GET.get("subject", "")[:300]
    text_ = request.GET.get("text", "")[:2000]
    hits = []
    if len(f"{subject}{text_}".strip()) >= SUGGEST_MIN_CHARS:
        hits = selectors.article_suggestions(subject=subject, text_=text_, limit=5)
    if hits:
        services.suggestion_impression_record(
            session_key=_session_key(request),
            query=f"{subject}\n{text_}".strip(),
            slugs=[h.slug for h in hits],
        )
    return render(request, "kb/partials/suggestions.html", {"hits": hits})


@require_GET
@staff_page
def misses(request: HttpRequest) -> HttpResponse:
    """Searches that found nothing, and articles due for review: the editors' to-do list."""
    page = Paginator(selectors.search_miss_list(), 50).get_page(request.GET.get("page"))
    due = selectors.article_needing_review()[:50]
    return render(request, "kb/misses.html", {"page": page, "due": due})


@require_GET
@editor_page
def history(request: HttpRequest, slug: str) -> HttpResponse:
    """The versions of an article, each with its diff against the one before (editors only)."""
    article = selectors.article_get_for(user=request.user, slug=slug)
    versions = list(selectors.article_versions(article=article))
    rows = []
    for newer, older in zip(versions, [*versions[1:], None], strict=True):
        rows.append({"version": newer, "diff": _diff(older, newer) if older else ""})
    return render(request, "kb/history.html", {"article": article, "rows": rows})


def _diff(older, newer) -> str:
    def lines(v) -> list[str]:
        return [f"# {v.title}", "", *v.body.splitlines()]

    return "\n".join(
        difflib.unified_diff(
            lines(older),
            lines(newer),
            fromfile=f"v{older.number}",
            tofile=f"v{newer.number}",
            lineterm="",
        )
    )


@require_POST
@editor_page
def restore(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    article = selectors.article_get_for(user=request.user, slug=slug)
    version = get_object_or_404(article.versions, number=number)
    services.article_restore(version=version, by=request.user)
    messages.success(request, _("The version was restored."))
    return redirect("kb:history", slug=article.slug)
