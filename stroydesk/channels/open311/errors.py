"""The error every Open311 endpoint answers in the specification's format."""

from __future__ import annotations


class Open311Error(Exception):
    """An error answered in the specification's format, with its HTTP status."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
