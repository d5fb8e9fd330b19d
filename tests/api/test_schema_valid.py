"""`manage.py spectacular --validate --fail-on-warn` passes for the whole API (every app's
views): the schema is valid OpenAPI and drf-spectacular had nothing to guess. A view it cannot
document (here one without a serializer) makes the same command fail, so the check is live."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import path
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.response import Response
from rest_framework.views import APIView


class _UndocumentedApi(APIView):
    def get(self, request):
        return Response({})


urlpatterns = [path("api/undocumented/", _UndocumentedApi.as_view())]  # this module is a urlconf for the last test


def _spectacular(*args: str) -> None:
    GENERATOR_STATS.reset()  # warnings are counted per process; count this run's only
    try:
        call_command("spectacular", "--validate", "--fail-on-warn", *args)
    finally:
        GENERATOR_STATS.reset()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_whole_api_schema_is_valid_without_warnings(tmp_path, lang):
    target = tmp_path / "schema.yaml"
    _spectacular("--file", str(target), "--lang", lang)
    schema = yaml.safe_load(target.read_text(encoding="utf-8"))
    paths = set(schema["paths"])
    for app in ("accounts", "investors", "compliance", "issuance", "ledger", "cash", "servicing", "chain"):
        assert any(p.startswith(f"/api/{app}/") for p in paths), app
    assert "/api/ledger/securities/{id}/issue/" in paths


def test_an_undocumented_view_fails_the_same_command(tmp_path):
    with pytest.raises(CommandError, match="warnings"):
        _spectacular("--file", str(tmp_path / "schema.yaml"), "--urlconf", __name__)
