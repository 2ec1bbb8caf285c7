"""What happened to a request, published for the apps above cases (notifications, stats, …).

Every row of a request's history is written by ``cases.steps.record``, the one place every step
passes; it publishes a ``RequestEvent`` there, and the subscribers hear it after the commit.
Cases imports none of them: they subscribe in their ``AppConfig.ready()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from stroydesk.core.events import Channel


@dataclass(frozen=True)
class RequestEvent:
    """One history row of a request: the action taken (``History.action``) and by whom."""

    request_id: int
    action: str
    actor_id: int | None
    history_id: int


request_events: Channel[RequestEvent] = Channel("cases.request")
