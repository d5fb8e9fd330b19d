import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Documents go to a per-test directory, never into .var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
