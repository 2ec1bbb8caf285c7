"""The production calendar's year notices on the admin index (see ``checks.py``)."""

from __future__ import annotations

from typing import Any

from django import template

from ..checks import current_notices

register = template.Library()


@register.inclusion_tag("admin/workcalendar/year_notices.html", takes_context=True)
def workcalendar_year_notices(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # Only those who can enter the decree are told; others could do nothing about it.
    if user is None or not user.has_module_perms("workcalendar"):
        return {"notices": []}
    return {"notices": current_notices()}
