"""What happened to an account that someone must be told of, published for the apps above
(notifications renders and sends the letters). Accounts imports none of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from stroydesk.core.events import Channel


@dataclass(frozen=True)
class AccountEvent:
    """``kind`` happened to the user: ``confirmation_requested`` (a sign-up, or a resend, waits
    for the e-mail to be confirmed), ``password_reset_requested``. ``occurrence`` tells two
    requests of the same kind apart, so each gets its letter once."""

    kind: str
    user_id: int
    occurrence: str = field(default_factory=lambda: uuid.uuid4().hex)


CONFIRMATION_REQUESTED = "confirmation_requested"
PASSWORD_RESET_REQUESTED = "password_reset_requested"

account_events: Channel[AccountEvent] = Channel("accounts.account")
