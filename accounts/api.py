"""API for accounts: who am I, a token for scripts (staff must give a TOTP code), and an
issuer without an organization creating their company.

MeApi and TokenApi are mounted by config/urls.py under the "api" namespace; the endpoints in
accounts/api_urls.py are meant for /api/accounts/ (namespace "accounts-api")."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from core.api import ApiView
from core.api_fields import StrictCharField

from core.errors import ApplicationError, ThrottledError

from . import services, throttle
from .selectors import dashboard_kind


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    dashboard = serializers.CharField()


class MeApi(ApiView):
    @extend_schema(responses=MeOutput)
    def get(self, request):  # noqa: ANN001, ANN201
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
    def post(self, request):  # noqa: ANN001, ANN201
        data = OrganizationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.organization_create(name=data.validated_data["name"], actor=request.user)
        return Response(OrganizationOutput(membership).data, status=201)


class TokenInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField()
    otp_code = serializers.CharField(required=False, allow_blank=True)


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()


class TokenApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenInput, responses=TokenOutput)
    def post(self, request):  # noqa: ANN001, ANN201
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].lower()
        ip = request.META.get("REMOTE_ADDR")
        if throttle.is_locked(email, ip):
            services.user_sign_in_failed(email=email, locked=True)
            raise ThrottledError(_("Too many failed sign-in attempts. Try again later."))
        user = authenticate(request, email=email, password=data.validated_data["password"])
        if user is None:
            throttle.record_failure(email, ip)
            services.user_sign_in_failed(email=email, locked=False)
            raise ApplicationError(_("The e-mail address or password is not correct."), code="invalid_credentials")
        if user.requires_two_factor:
            services.totp_verify(user=user, token=data.validated_data.get("otp_code", ""))
        throttle.reset(email, ip)
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenOutput({"token": token.key}).data)
