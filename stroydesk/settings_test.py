"""Settings for the test run: the regular settings with STROYDESK_TESTING switched on."""

import os

os.environ.setdefault("STROYDESK_TESTING", "1")

from stroydesk.settings import *  # noqa: F403
