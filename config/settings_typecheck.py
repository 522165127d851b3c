"""The settings mypy's django-stubs plugin loads (pyproject [tool.django-stubs]): the real settings,
with DEBUG so that type-checking needs no secret key. Never used to run anything."""

import os

os.environ.setdefault("DAJIUZHU_DEBUG", "true")

from config.settings import *  # noqa: F403
