"""WSGI entry point (gunicorn stroydesk.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stroydesk.settings")
application = get_wsgi_application()
