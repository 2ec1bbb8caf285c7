"""The OpenAPI document's answers as the API gives them: every operation lists the refusals
it can answer (the API's one error shape), not only its success."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "description": "The API's error shape: a message for people and the fields' own errors.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["detail"],
}
# What any operation may answer before or besides its own result: a body it cannot read (400),
# no or a bad sign-in (401), a role without the right (403), an object the caller may not know
# of (404), a body over the limit (413), too many calls (429).
REFUSALS = {
    "400": "The request is not valid: the message says why.",
    "401": "Sign-in needed (or the key is not valid).",
    "403": "The caller's role does not allow this.",
    "404": "No such object, or not one the caller may see.",
    "413": "The body is over the limit.",
    "429": "Too many calls: try again after Retry-After seconds.",
}


def document_refusals(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the refusals and their shape on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, text in REFUSALS.items():
                responses.setdefault(code, {"description": text, "content": ref})
    return result
