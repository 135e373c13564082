"""Project-wide pytest fixtures."""

from __future__ import annotations

import os

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM use.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
