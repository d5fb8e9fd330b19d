"""The OpenAPI schema's shared parts, documented once for every app.

- `AutoSchema` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds the error answers every API view
  can give, with the one error body of core.api.exception_handler
  (`{"error": {"code", "message", "fields"}}`, application/json), unless the view documents
  that status itself:
    400  a request body, query parameters or a write (a write's body is parsed even when the
         view reads none: core.api.ApiView), 415 likewise for a body in a type it does not take;
    401/403  the operation needs an authenticated caller (401 "not signed in" when the first
         authenticator asks for credentials, 403 otherwise and for every refusal by role);
    404  the path names an object (ids and action names) or matches nothing under /api/, or
         the caller's role has no such thing (an operator's queue for an investor);
    409  a write (a transition not allowed from the object's state, a reused key, a request under
         the same Idempotency-Key still running, ...);
    422  a write core's Idempotency-Key replay covers (idempotency_key_reused), whose
         `Idempotency-Key` header parameter is added here too unless the view declares its own
         (core/idempotency.py; the ledger's register actions keep their service-level key);
    413  an upload (multipart body), refused by size;
    429  the view throttles.
- `add_links` (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds OpenAPI links, which
  drf-spectacular never emits, for the flows a client follows: subscribe -> accept the
  agreement -> mark funded -> accept -> settle, and KYC submit -> review. Schema-driven
  clients and schemathesis' stateful phase follow them.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from .api_fields import DECIMAL_PATTERN, StrictCharField
from .api_schema import error_responses
from .idempotency import HEADER, KEY_MAX_LENGTH, KEY_PATTERN, REPLAY, WRITE_METHODS


def idempotency_key_parameter() -> dict:
    """The Idempotency-Key header of a write core's replay covers (core/idempotency.py)."""
    return {
        "in": "header", "name": HEADER, "required": False,
        "schema": {"type": "string", "pattern": KEY_PATTERN, "maxLength": KEY_MAX_LENGTH},
        "description": (
            f"Your own key for this request (1 to {KEY_MAX_LENGTH} visible ASCII characters), yours alone. The "
            f"same request (method, path with its query, body) sent again under it within "
            f"{settings.IDEMPOTENCY_KEY_TTL_HOURS} hours answers what the first one answered, with the header "
            "`Idempotent-Replayed: true`, and does nothing twice. Another request under it: 422 "
            "idempotency_key_reused. While the first one still runs: 409 idempotency_key_in_progress "
            "(Retry-After). Answers 5xx and 429 are not kept: retry under the same key."),
    }


# Request text as CharField takes it: no NUL anywhere; NON_BLANK_TEXT also needs a character
# that is neither a space nor NUL (CharField trims spaces, then refuses blank).
TEXT = r"^[^\u0000]*$"
NON_BLANK_TEXT = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        if self.idempotency_replays(operation):
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
                parameters.append(idempotency_key_parameter())
        responses = operation.setdefault("responses", {})
        for status in self.error_statuses(operation):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(error_responses(status)[status], str(status))
        return operation

    def get_operation_id(self):
        """A list paged by core.pagination answers an object (the envelope), not an array: its
        operation keeps the `_list` name drf-spectacular gives a list (cash_deposits_list)."""
        handler = getattr(self.view, self.method.lower(), None)
        if self.method == "GET" and getattr(handler, "paginated_filters", None) is not None:
            self._paged_list = True
            try:
                return super().get_operation_id()
            finally:
                self._paged_list = False
        return super().get_operation_id()

    def _is_list_view(self, serializer=None):
        return getattr(self, "_paged_list", False) or super()._is_list_view(serializer)

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A text field of a request says what CharField refuses: NUL (always) and, where blank
        is refused, a value of only spaces (trimmed to blank). Fields with their own pattern or
        format (e-mail, URL, regex, decimal strings) keep it."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (direction == "request" and isinstance(field, serializers.CharField) and isinstance(schema, dict)
                and schema.get("type") == "string" and not {"pattern", "format", "enum"} & schema.keys()):
            non_blank = not field.allow_blank and field.trim_whitespace
            schema = {**schema, "pattern": NON_BLANK_TEXT if non_blank else TEXT}
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        """A body that is one of several serializers (PolymorphicProxySerializer), each with
        required fields, is itself required (drf-spectacular says optional: a body-less
        request would be schema-valid and refused)."""
        schema, required = super()._get_request_for_media_type(serializer, direction)
        proxy = force_instance(serializer)
        if not required and isinstance(proxy, PolymorphicProxySerializer):
            options = proxy.serializers.values() if isinstance(proxy.serializers, dict) else proxy.serializers
            required = all(any(f.required for f in force_instance(o).fields.values()) for o in options)
        return schema, required

    def map_parsers(self) -> list[str]:
        """A request body is JSON, or multipart when the view takes a file: the body types a
        client should send (DRF's form parsers lose types: "" for a missing number)."""
        media_types = super().map_parsers()
        wanted = "multipart/" if self._takes_files() else "json"
        return [m for m in media_types if wanted in m] or media_types

    def _takes_files(self) -> bool:
        serializer = force_instance(self.get_request_serializer())
        fields = getattr(serializer, "fields", {}) if isinstance(serializer, serializers.Serializer) else {}
        return any(isinstance(field, serializers.FileField) for field in fields.values())

    def idempotency_replays(self, operation: dict) -> bool:
        """Whether core's Idempotency-Key replay covers the operation (core/idempotency.py): a
        write of an API view that leaves it on (not "service": the ledger's register actions
        document their own key; not "none") for a signed-in caller (anonymous ones are not
        covered)."""
        security = operation.get("security") or []
        return (self.method in WRITE_METHODS and getattr(self.view, "idempotency", None) == REPLAY
                and bool(security) and {} not in security)

    def error_statuses(self, operation: dict) -> list[int]:
        """The error statuses `operation` can answer (see the module docstring)."""
        parameters = operation.get("parameters", [])
        body = operation.get("requestBody")
        write = self.method in WRITE_METHODS
        security = operation.get("security") or []
        statuses = set()
        if body or write or any(p.get("in") == "query" for p in parameters):
            statuses.add(400)
        if body or write:
            statuses.add(415)
        if security and {} not in security:
            statuses.update({401, 403})
        if "{" in self.path or 403 in statuses:
            statuses.add(404)
        if write:
            statuses.add(409)
        if self.idempotency_replays(operation):
            statuses.add(422)
        if body and any(media.startswith("multipart/") for media in body.get("content", {})):
            statuses.add(413)
        if getattr(self.view, "throttle_classes", None):
            statuses.add(429)
        return sorted(statuses)


@extend_schema_field({"type": "string", "pattern": NON_BLANK_TEXT})
class ReasonField(StrictCharField):
    """A reason the service requires (a decision's, a resolution's). The schema says what it
    takes: a character that is neither a space nor NUL (maxLength from max_length). A blank
    one is not refused here but goes on to the service, whose refusal (400 reason_required)
    tells the caller what is missing."""

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and not data.strip():
            return ""
        return super().run_validation(data)


class DecimalStringFieldExtension(OpenApiSerializerFieldExtension):
    """core.api_fields.DecimalStringField checks its pattern itself (not with a RegexValidator,
    where drf-spectacular would find it), so the pattern is given here: the schema says which
    strings are numbers, and a schema-driven client sends only those."""

    target_class = "core.api_fields.DecimalStringField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string", "pattern": DECIMAL_PATTERN}
        if self.target.max_length is not None:
            schema["maxLength"] = self.target.max_length
        if self.target.help_text:
            schema["description"] = str(self.target.help_text)
        return schema


# (source method, source path, source status) -> {link name: (target method, target path,
# parameters, request body)}. "$response.body#/id" is the id in the source's answer.
_ID = "$response.body#/id"
LINKS = {
    ("post", "/api/issuance/market/{id}/subscribe/", "201"): {
        "AcceptAgreement": ("post", "/api/issuance/my-subscriptions/{id}/accept-agreement/", {"id": _ID}, None),
    },
    ("post", "/api/issuance/my-subscriptions/{id}/accept-agreement/", "200"): {
        "MarkFunded": ("post", "/api/issuance/subscriptions/{id}/{action}/", {"id": _ID, "action": "funded"}, None),
        "Accept": ("post", "/api/issuance/subscriptions/{id}/{action}/", {"id": _ID, "action": "accept"}, None),
    },
    ("post", "/api/issuance/subscriptions/{id}/{action}/", "200"): {
        "Accept": ("post", "/api/issuance/subscriptions/{id}/{action}/", {"id": _ID, "action": "accept"}, None),
        "MarkFunded": ("post", "/api/issuance/subscriptions/{id}/{action}/", {"id": _ID, "action": "funded"}, None),
        "Settle": ("post", "/api/ledger/settle/", {}, {"subscriptions": [_ID]}),
    },
    ("post", "/api/compliance/kyc/submit/", "201"): {
        "OpenReview": ("get", "/api/compliance/reviews/{id}/", {"id": _ID}, None),
        "Approve": ("post", "/api/compliance/reviews/{id}/approve/", {"id": _ID}, None),
        "RequestInfo": ("post", "/api/compliance/reviews/{id}/request-info/", {"id": _ID}, None),
        "Reject": ("post", "/api/compliance/reviews/{id}/reject/", {"id": _ID}, None),
    },
}


def add_links(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: the LINKS above, by operationId. A link whose
    source or target operation is not in the schema is left out."""
    paths = result.get("paths", {})
    for (method, path, status), links in LINKS.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, (target_method, target_path, parameters, body) in links.items():
            target = paths.get(target_path, {}).get(target_method)
            if target is None:
                continue
            link = {"operationId": target["operationId"]}
            if parameters:
                link["parameters"] = dict(parameters)
            if body is not None:
                link["requestBody"] = body
            response.setdefault("links", {})[name] = link
    return result
