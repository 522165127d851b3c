"""pytest plugin (pyproject's addopts `-p config.testing`): the test run's environment, set when pytest
loads its plugins, before pytest-django imports the settings (a conftest.py is read too late).

The settings refuse to start without DEBUG and without a real DAJIUZHU_SECRET_KEY; the suite runs
without DEBUG, as production does, so it gets a random key of its own (inherited by the worker
processes that some tests start)."""

from __future__ import annotations

import os
import secrets

os.environ.setdefault("DAJIUZHU_SECRET_KEY", "test-only-" + secrets.token_urlsafe(48))
