"""Settings for the test run: the regular settings with STROYDESK_TESTING switched on.

Each run gets its own job-queue file and Redis key prefix, so that parallel runs on one machine
(and a developer's demo) never see each other's jobs.
"""

import os
import tempfile

os.environ.setdefault("STROYDESK_TESTING", "1")
os.environ.setdefault(
    "HUEY_SQLITE_PATH", os.path.join(tempfile.gettempdir(), f"stroydesk-huey-{os.getpid()}.sqlite3")
)
os.environ.setdefault("HUEY_NAME", f"stroydesk-test-{os.getpid()}")

from stroydesk.settings import *  # noqa: F403
