"""Open311 GeoReport v2 views: parse the call, ask ``channels.open311``, answer in JSON or XML
(the format is the URL's extension), errors in the specification's format."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from xml.etree import ElementTree as ET

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from stroydesk.channels.open311 import catalog, keys, listing, posting
from stroydesk.channels.open311.errors import Open311Error
from stroydesk.channels.open311.posting import without_control
from stroydesk.web.ratelimit import client_ip

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# XML names of list items, as the specification spells them.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def _xml(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _xml(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _xml(element, ITEM_NAMES.get(name, "item"), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        # Whatever is stored (an older request, a topic's name), the document stays well-formed.
        element.text = without_control(str(value))


def render(data: Any, fmt: str, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        element = ET.Element(root)
        items = data if isinstance(data, list) else [data]
        if isinstance(data, list):
            for item in items:
                _xml(element, ITEM_NAMES[root], item)
        else:
            for key, item in data.items():
                _xml(element, key, item)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, description: str, retry_after: int | None = None) -> HttpResponse:
    response = render([{"code": status, "description": description}], fmt, "errors", status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def endpoint(*methods: str) -> Callable:
    """Allow these methods and answer ``Open311Error`` in the specification's format."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any):
            if request.method not in methods:
                response = error(
                    fmt,
                    405,
                    _("Method %(method)s is not allowed here.") % {"method": request.method},
                )
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, exc.description, exc.retry_after)

        return wrapper

    return decorate


def _read_check(request: HttpRequest) -> None:
    """A read of the requests counts against its key's limit, or without a key against the
    caller's address: the public list may not be harvested at full speed."""
    if request.GET.get("api_key"):
        keys.api_key_check(request.GET["api_key"])
    else:
        keys.anonymous_read_check(client_ip(request))


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(catalog.discovery(), fmt, "discovery")


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(catalog.service_list(), fmt, "services")


@endpoint("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    return render(catalog.service_definition(code), fmt, "service_definition")


@csrf_exempt
@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "GET":
        _read_check(request)
        return render(listing.request_list(request.GET), fmt, "service_requests")
    if int(request.META.get("CONTENT_LENGTH") or 0) > posting.max_body_bytes():
        raise Open311Error(
            413,
            _("The request body is over %(limit)d bytes.") % {"limit": posting.max_body_bytes()},
        )
    try:
        params = request.POST
    except RequestDataTooBig:
        raise Open311Error(413, _("The request body is too large.")) from None
    key = keys.api_key_check(params.get("api_key") or request.GET.get("api_key", ""))
    created = posting.request_submit(key=key, params=params)
    return render([posting.submitted_as_dict(created)], fmt, "service_requests", status=201)


@endpoint("GET")
def request_detail(request: HttpRequest, service_request_id: str, fmt: str) -> HttpResponse:
    _read_check(request)
    return render([listing.request_get(service_request_id)], fmt, "service_requests")


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "xml" if path.endswith(".xml") else "json"
    return error(fmt, 404, _("No such Open311 resource; see discovery.json."))
