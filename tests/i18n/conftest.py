"""The crawl's world (tests/i18n/world.py)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.i18n.world import make_world


@pytest.fixture(autouse=True)
def _english_after():
    """Pages asked for in Japanese leave the thread in Japanese: the next test starts in English."""
    yield
    translation.deactivate()


@pytest.fixture
def world(request, settings, tmp_path):
    return make_world(request, settings, tmp_path)
