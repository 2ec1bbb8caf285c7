"""The knowledge-base panel of a request card: the best articles for the request, to insert.

It lives in the portal, above both: it reads the request through the cases selectors and the
articles through the kb selectors, so kb knows nothing of requests.
"""

from __future__ import annotations

from typing import cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from stroydesk.accounts.models import User
from stroydesk.cases import selectors as cases
from stroydesk.kb import selectors as kb


@require_GET
def kb_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The best articles for one request, for the staff's card (HTMX partial); 404 to others."""
    if not kb.user_is_kb_staff(request.user):
        raise Http404
    case = cases.request_get_for(user=cast(User, request.user), pk=pk)
    hits = kb.articles_for_request_text(f"{case.subject} {case.text}", user=request.user, limit=5)
    target = request.GET.get("target", "")[:100]
    return render(
        request,
        "portal/desk/partials/kb_panel.html",
        {"hits": hits, "case": case, "target": target, "site": request.build_absolute_uri("/")},
    )
