"""Background jobs of accounts: the daily removal of sign-ups never confirmed. (The letters about
accounts are notifications' jobs: accounts publishes an ``AccountEvent``.)"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from stroydesk.accounts import services


@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("accounts-purge-unconfirmed")
def unconfirmed_purge_periodic() -> None:
    """Every night: delete the sign-ups never confirmed (``manage.py purge_unconfirmed``)."""
    services.user_purge_unconfirmed()
