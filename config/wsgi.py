"""WSGI entry point for gunicorn: `gunicorn config.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Read what every worker needs before gunicorn forks them (with --preload, once for all): the policy
# parameters' YAML (about a second to parse) would otherwise delay each worker's first request.
from dajiuzhu.parameters.selectors import warm_up  # noqa: E402

warm_up()
