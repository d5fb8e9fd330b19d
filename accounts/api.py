"""API for accounts: who am I, per-device tokens for scripts (staff must give a TOTP code),
signing out one token or everywhere, and an issuer without an organization creating their
company.

MeApi and TokenApi are mounted by config/urls.py under the "api" namespace; the endpoints in
accounts/api_urls.py are meant for /api/accounts/ (namespace "accounts-api")."""

from __future__ import annotations

from django.contrib.auth import authenticate, logout
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from core.api import ApiView
from core.api_fields import StrictCharField
from core.errors import ApplicationError, ThrottledError

from . import services, throttle, tokens
from .credentials import ApiToken
from .selectors import dashboard_kind
from .sessions import user_sessions_end


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    dashboard = serializers.CharField()


class MeApi(ApiView):
    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = request.user
        return Response(MeOutput({
            "id": user.pk, "email": user.email, "full_name": user.full_name,
            "role": user.role, "dashboard": dashboard_kind(user),
        }).data)


class OrganizationCreateInput(serializers.Serializer):
    # Blank or missing names reach the service, which refuses them with its own codes
    # (name_required, name_too_long, name_invalid), the same as the page.
    name = StrictCharField(required=False, default="", allow_blank=True, trim_whitespace=False, max_length=1000)


class OrganizationOutput(serializers.Serializer):
    id = serializers.IntegerField(source="organization.pk")
    name = serializers.CharField(source="organization.name")
    role = serializers.CharField(help_text="Your membership role in it: admin.")
    created_at = serializers.DateTimeField(source="organization.created_at")
    two_factor_required = serializers.BooleanField(
        source="user.requires_two_factor",
        help_text="True: as an admin you now need a TOTP device (web) or a token asked with otp_code (API).",
    )


class OrganizationCreateApi(ApiView):
    """POST: a signed-in issuer-role user without an organization creates their company and
    becomes its admin. 400 name_required | name_too_long | name_invalid, 403
    issuer_role_required, 409 already_in_organization; nothing is written on a refusal."""

    @extend_schema(request=OrganizationCreateInput, responses={201: OrganizationOutput},
                   summary="Create your company (issuers without an organization)")
    def post(self, request):
        data = OrganizationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.organization_create(name=data.validated_data["name"], actor=request.user)
        return Response(OrganizationOutput(membership).data, status=201)


class ErrorDetailOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ErrorOutput(serializers.Serializer):
    """Every refusal: {"error": {"code", "message", "fields"}}."""

    error = ErrorDetailOutput()


def _errors(**answers: str) -> dict:
    """drf-spectacular responses for error statuses, e.g. _errors(e400="invalid_credentials")."""
    return {int(status[1:]): OpenApiResponse(ErrorOutput, description=codes) for status, codes in answers.items()}


class TokenInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField()
    otp_code = serializers.CharField(required=False, allow_blank=True,
                                     help_text="Required for staff who need 2FA: the code from their "
                                               "authenticator app.")
    device = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                   help_text="A name for this device or script (default: your User-Agent). "
                                             "Asking again for the same device replaces its token.")


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as 'Authorization: Token <token>'. Shown only once.")
    expiry = serializers.DateTimeField(help_text="The token stops working at this time.")
    device = serializers.CharField()


class TokenApi(ApiView):
    """POST: a token for this device, valid for API_TOKEN_TTL_HOURS. 400 invalid |
    invalid_credentials | invalid_totp | totp_throttled, 429 throttled (too many failures for
    this account from this address; see accounts/throttle.py)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenInput, responses={
        200: TokenOutput,
        **_errors(e400="invalid, invalid_credentials, invalid_totp, totp_throttled", e429="throttled"),
    }, summary="Get an API token for this device")
    def post(self, request):
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].lower()
        ip = throttle.client_address(request)
        if throttle.is_locked(email, ip):
            services.user_sign_in_failed(email=email, locked=True)
            raise ThrottledError(_("Too many failed sign-in attempts. Try again later."))
        user = authenticate(request, email=email, password=data.validated_data["password"])
        if user is None:
            throttle.record_failure(email, ip)
            services.user_sign_in_failed(email=email, locked=False)
            raise ApplicationError(_("The e-mail address or password is not correct."), code="invalid_credentials")
        verified = False
        if user.requires_two_factor:
            services.totp_verify(user=user, token=data.validated_data.get("otp_code", ""))
            verified = True
        throttle.record_success(email, ip)
        device = tokens.device_name(data.validated_data.get("device"),
                                    user_agent=request.META.get("HTTP_USER_AGENT", ""))
        instance, key = tokens.api_token_issue(user=user, device=device, two_factor_verified=verified)
        return Response(TokenOutput({"token": key, "expiry": instance.expiry, "device": instance.name}).data)


_SIGNED_IN_ERRORS = _errors(e403="not_authenticated, authentication_failed (a bad or expired token), "
                                  "permission_denied (a session without its CSRF token)")


class LogoutApi(ApiView):
    """POST: sign out this credential: the API token in the Authorization header (other
    devices keep theirs), or this browser session. 403 not_authenticated |
    authentication_failed | permission_denied (DRF answers 403, not 401, because session
    authentication comes first)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None, **_SIGNED_IN_ERRORS},
                   summary="Sign out this token or session")
    def post(self, request):
        if isinstance(request.auth, ApiToken):
            tokens.api_token_revoke(token=request.auth, actor=request.user)
        else:
            logout(request._request)
        return Response(status=204)


class LogoutAllOutput(serializers.Serializer):
    sessions = serializers.IntegerField(help_text="Browser sessions ended.")
    tokens = serializers.IntegerField(help_text="API tokens ended, this one included.")


class LogoutAllApi(ApiView):
    """POST: sign out everywhere: every API token and browser session of the caller ends
    (this one too). 403 as for LogoutApi."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: LogoutAllOutput, **_SIGNED_IN_ERRORS},
                   summary="Sign out everywhere (all tokens and sessions)")
    def post(self, request):
        counts = user_sessions_end(user=request.user, reason="sign_out_everywhere", actor=request.user)
        if request.auth is None:
            logout(request._request)
        return Response(LogoutAllOutput(counts).data)
