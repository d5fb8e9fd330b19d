"""The API's default JSON parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]). Its own module:
DRF imports parser classes while rest_framework.views is still loading, so this must not
import the views (core.api does)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser


class JSONObjectParser(JSONParser):
    """JSON bodies are objects: every operation's schema says so. `[]`, a string or a number
    is a 400 (code `invalid`, like any other invalid input) here, before any view calls `.get`
    on it (the default parser, REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise exceptions.ValidationError({"non_field_errors": [_("The request body must be a JSON object.")]})
        return data
