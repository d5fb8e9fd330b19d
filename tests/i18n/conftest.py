"""The crawl's world (tests/i18n/world.py)."""

from __future__ import annotations

import pytest

from tests.i18n.world import make_world


@pytest.fixture
def world(request, settings, tmp_path):
    return make_world(request, settings, tmp_path)
