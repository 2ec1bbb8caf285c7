"""A small publish/subscribe for what happened in the domain, so that lower apps tell upper
ones without importing them.

A domain app declares a ``Channel`` of its event type and publishes on it; an upper app
subscribes in its ``AppConfig.ready()``. Events reach subscribers after the publisher's
transaction commits (nothing is said of a step that was rolled back), each subscriber on its own:
one that fails is logged and does not keep the others from hearing the event.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Generic, TypeVar

from django.db import transaction

E = TypeVar("E")


class Channel(Generic[E]):
    """Where one kind of event is published, and who listens."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Callable[[E], None]] = []

    def subscribe(self, handler: Callable[[E], None]) -> None:
        """Call ``handler(event)`` after each commit that published an event (once per handler)."""
        if handler not in self._subscribers:
            self._subscribers.append(handler)

    def unsubscribe(self, handler: Callable[[E], None]) -> None:
        if handler in self._subscribers:
            self._subscribers.remove(handler)

    def publish(self, event: E) -> None:
        """Tell the subscribers of ``event`` once the current transaction commits."""
        for handler in list(self._subscribers):
            transaction.on_commit(partial(handler, event), robust=True)
