"""API of investors: the KYC profile, documents and wallets of the signed-in investor.
Same services and checks as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api import ApiView
from core.api_fields import StrictCharField, StrictIntegerField
from core.pagination import cursor_paginate, paginated

from . import custody, selectors, services
from .downloads import document_response
from .models import InvestorProfile, KycDocument, Wallet


class ProfileOutput(serializers.Serializer):
    kind = serializers.CharField()
    legal_name = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    identity_number = serializers.CharField()
    address = serializers.CharField()
    beneficial_owners = serializers.CharField()
    nationality = serializers.CharField()
    residence_country = serializers.CharField()
    tax_residency = serializers.CharField()
    investor_status = serializers.CharField()
    status_basis = serializers.CharField()
    kyc_status = serializers.CharField()
    kyc_expires_on = serializers.DateField(allow_null=True)
    kyc_message = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())


class ProfileInput(serializers.Serializer):
    # Plain strings: the service validates dates and countries and answers with field errors.
    kind = serializers.ChoiceField(choices=InvestorProfile.Kind.choices, required=False)
    legal_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    birth_date = StrictCharField(max_length=32, required=False, allow_blank=True, help_text="YYYY-MM-DD")
    identity_number = StrictCharField(max_length=100, required=False, allow_blank=True)
    address = StrictCharField(max_length=1000, required=False, allow_blank=True)
    beneficial_owners = StrictCharField(max_length=4000, required=False, allow_blank=True)
    nationality = StrictCharField(max_length=3, required=False, allow_blank=True)
    residence_country = StrictCharField(max_length=3, required=False, allow_blank=True)
    tax_residency = StrictCharField(max_length=3, required=False, allow_blank=True)
    investor_status = StrictCharField(max_length=32, required=False, allow_blank=True)
    status_basis = StrictCharField(max_length=500, required=False, allow_blank=True)


def _profile_data(user) -> dict:
    profile = selectors.profile_for(user=user) or InvestorProfile(user=user)
    data = {name: getattr(profile, name) for name in ProfileOutput().fields if name != "missing"}
    data["missing"] = [str(m) for m in selectors.missing_items(profile if profile.pk else None)]
    return ProfileOutput(data).data


class ProfileApi(ApiView):
    @extend_schema(responses=ProfileOutput)
    def get(self, request):
        return Response(_profile_data(request.user))

    @extend_schema(request=ProfileInput, responses=ProfileOutput)
    def patch(self, request):
        data = ProfileInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.profile_update(user=request.user, data=data.validated_data, actor=request.user)
        return Response(_profile_data(request.user))


class DocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class DocumentInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KycDocument.Kind.choices)
    file = serializers.FileField()


class DocumentListApi(ApiView):
    parser_classes = [MultiPartParser]
    upload_max_bytes = "KYC_DOCUMENT_MAX_BYTES"  # core.upload_limits: refused (413) before the body is read

    @paginated(DocumentOutput, description="Your KYC documents, oldest first.")
    def get(self, request):
        return cursor_paginate(request, selectors.documents_for(user=request.user), DocumentOutput,
                               key=lambda d: (d.pk,))

    @extend_schema(request={"multipart/form-data": DocumentInput}, responses={201: DocumentOutput})
    def post(self, request):
        data = DocumentInput(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.document_upload(user=request.user, kind=data.validated_data["kind"],
                                            uploaded=data.validated_data["file"], actor=request.user)
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)


# A document is sent back in the type it was accepted as (KYC uploads: PDF, JPEG or PNG).
DOWNLOAD_TYPES = ("application/pdf", "image/jpeg", "image/png", "application/octet-stream")


class DocumentDownloadApi(ApiView):
    @extend_schema(responses={(200, kind): OpenApiTypes.BINARY for kind in DOWNLOAD_TYPES})
    def get(self, request, pk: int):
        # Decrypted in the service; an unreadable file is a JSON 500 "document_unreadable".
        return document_response(services.document_download(pk=pk, actor=request.user))


class WalletOutput(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.CharField()
    status = serializers.CharField()
    custody = serializers.ChoiceField(choices=Wallet.Custody.choices,
                                      help_text="self: the investor holds the key; platform: the trust bank keeps it.")
    verified_at = serializers.DateTimeField()


class ChallengeInput(serializers.Serializer):
    address = StrictCharField(max_length=64)


class ChallengeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    address = serializers.CharField()
    message = serializers.CharField(help_text="Sign exactly this text with personal_sign (EIP-191).")
    expires_at = serializers.DateTimeField()


class VerifyInput(serializers.Serializer):
    challenge = StrictIntegerField(min_value=1)
    signature = StrictCharField(max_length=200)


class WalletListApi(ApiView):
    @paginated(WalletOutput, description="Your active wallets, oldest first.")
    def get(self, request):
        return cursor_paginate(request, selectors.wallets_for(user=request.user), WalletOutput, key=lambda w: (w.pk,))


class WalletChallengeApi(ApiView):
    @extend_schema(request=ChallengeInput, responses={201: ChallengeOutput})
    def post(self, request):
        data = ChallengeInput(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = services.wallet_challenge_create(address=data.validated_data["address"], actor=request.user)
        return Response(ChallengeOutput(challenge).data, status=status.HTTP_201_CREATED)


class WalletVerifyApi(ApiView):
    @extend_schema(request=VerifyInput, responses={201: WalletOutput})
    def post(self, request):
        data = VerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        wallet = services.wallet_verify(challenge_id=data.validated_data["challenge"],
                                        signature=data.validated_data["signature"], actor=request.user)
        return Response(WalletOutput(wallet).data, status=status.HTTP_201_CREATED)


class WalletRemoveApi(ApiView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.wallet_remove(wallet_id=pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CustodyWalletApi(ApiView):
    @extend_schema(request=None, responses={201: WalletOutput},
                   description="Have the trust bank keep a new wallet for the signed-in investor (KYC verified; "
                               "at most one). It is active and registered on chain at once; its key never leaves "
                               "the platform's custody signer.")
    def post(self, request):
        wallet = custody.custody_wallet_create(profile=selectors.profile_for(user=request.user), actor=request.user)
        return Response(WalletOutput(wallet).data, status=status.HTTP_201_CREATED)
