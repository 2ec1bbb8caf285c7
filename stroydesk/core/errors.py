"""Refusals every domain service may raise, understood by every screen and the REST API.

A domain knows no transport: it raises these, and the web layer turns them into HTTP 409 with the
message (``stroydesk.web``), so a new workflow (a booking, a relocation order) gets the same
answers as a request's lifecycle without knowing of either.
"""


class Refused(Exception):
    """The object's current state does not allow the step (HTTP 409)."""


class ConcurrentChange(Refused):
    """Someone else changed the object first; reload it and decide again (HTTP 409)."""
