"""What the Open311 clients can ask about: the services (the active topics without sub-topics;
``service_code`` is the topic's code and ``group`` the name of its section), a service's
definition with its attributes, and the discovery document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from stroydesk.channels.open311.errors import Open311Error
from stroydesk.directory.models import Topic
from stroydesk.directory.selectors import topic_tree

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-10-01T00:00:00+03:00"


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    order: int
    description: str
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": self.order,
            "description": self.description,
            "values": [{"key": key, "name": name} for key, name in self.values],
        }


# The applicant's consent to show the description, the address and the place to everyone who
# reads the public list (152-ФЗ: personal data made public only with consent). Absent means no.
PUBLISH = "publish"
PUBLISH_YES = "yes"


def service_attributes() -> list[Attribute]:
    """Extra fields a service takes. Every construction topic can be about a land plot or a
    building, so each service takes its cadastral number (optional); and whether the applicant
    agrees that the text and the place be published in the public list (optional, no by
    default)."""
    return [
        Attribute(
            code="cadastral_number",
            datatype="string",
            required=False,
            order=1,
            description=_("Cadastral number of the land plot or building, if known."),
            datatype_description="77:01:0001001:1234",
        ),
        Attribute(
            code=PUBLISH,
            datatype="singlevaluelist",
            required=False,
            order=2,
            description=_(
                "Whether the applicant agrees that the description, the address and the place "
                "be shown to everyone in the public list of requests. Without it only the "
                "service, the status and the dates are shown."
            ),
            values=(
                (PUBLISH_YES, _("Yes, publish the description and the place")),
                ("no", _("No, show only the service and the status")),
            ),
        ),
    ]


def _services() -> list[tuple[Topic, str, str]]:
    """(topic, group, competent authorities) for every topic that is a service."""
    result = []
    for section in topic_tree():
        children = [c for c in section.children.all() if c.is_active]
        section_authorities = [a for a in section.authorities.all() if a.is_active]
        if not children:
            names = ", ".join(a.short_name for a in section_authorities)
            result.append((section, "", names))
        for topic in children:
            own = [a for a in topic.authorities.all() if a.is_active] or section_authorities
            result.append((topic, section.name, ", ".join(a.short_name for a in own)))
    return result


def service_list() -> list[dict[str, Any]]:
    """The services as the specification lists them."""
    return [
        {
            "service_code": topic.code,
            "service_name": topic.name,
            "description": _("Answered by: %(authorities)s") % {"authorities": authorities}
            if authorities
            else "",
            "metadata": bool(service_attributes()),
            "type": "realtime",
            "keywords": "",
            "group": group,
        }
        for topic, group, authorities in _services()
    ]


def service_topic(code: str) -> Topic | None:
    if not code:
        return None
    return next((t for t, _group, _names in _services() if t.code == code), None)


def service_definition(code: str) -> dict[str, Any]:
    if service_topic(code) is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code})
    return {
        "service_code": code,
        "attributes": [a.as_dict() for a in service_attributes()],
    }


def discovery() -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": settings.DEFAULT_FROM_EMAIL,
        "key_service": _("API keys are issued by the administrators of the center."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": settings.SITE_URL.rstrip("/") + "/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
