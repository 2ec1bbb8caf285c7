"""Template helpers for other apps' pages: the link to book a consultation."""

from django import template

register = template.Library()


@register.inclusion_tag("consultations/partials/home_link.html")
def consultation_link() -> dict:
    """«Записаться на консультацию», for the portal's home page."""
    return {}
