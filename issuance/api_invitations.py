"""The issuer admin's side of invitations (mounted at /api/issuance/invitations/): invite
by e-mail, list the organization's invitations, revoke a pending one. The answer to an
invitation is the same whether or not the address has an account (no enumeration)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import Invitation, Membership
from accounts.policy import Action, policy_ensure
from core.api import ApiView
from core.api_fields import StrictInput
from core.api_schema import error_responses
from core.pagination import cursor_paginate, enum_filter, filter_rows, paginated

from . import selectors, services


class InvitationInput(StrictInput):
    # What the schema says (an e-mail address of at most 254 characters, admin or member) is
    # checked here; the service checks the same again for the page (invalid_email, ...).
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class IssuerInvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    status = serializers.ChoiceField(choices=Invitation.Status.choices)
    invited_by = serializers.EmailField(source="invited_by.email")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class InvitationListApi(ApiView):
    @paginated(IssuerInvitationOutput, filters=[enum_filter("status", Invitation.Status,
                                                            "Only invitations in this status.")],
               responses=error_responses(403, 404, 409), operation_id="issuance_invitations_list",
               summary="Your organization's invitations (admins), newest first")
    def get(self, request):
        issuer = selectors.issuer_require(user=request.user)
        policy_ensure(request.user, Action.MEMBER_INVITE, organization_id=issuer.organization_id)
        qs = filter_rows(request, selectors.invitations_of(issuer=issuer, limit=None), status="status")
        return cursor_paginate(request, qs, IssuerInvitationOutput, ordering=("-id",))

    @extend_schema(request=InvitationInput,
                   responses={201: IssuerInvitationOutput, **error_responses(400, 403, 404, 409)},
                   operation_id="issuance_invitations_create", summary="Invite someone by e-mail (admins)",
                   description="Sends the invitee an e-mail with a link to accept; creates no account and no "
                               "membership. The answer is the same whether or not the address has an account. "
                               "400 invalid (error.fields names the bad e-mail or role); 403 admin_required; "
                               "409 already_member (of your organization) | invitation_pending | "
                               "organization_required (you belong to several: choose one first).")
    def post(self, request):
        s = InvitationInput(data=request.data)
        s.is_valid(raise_exception=True)
        invitation = services.member_invite(issuer=selectors.issuer_require(user=request.user), actor=request.user,
                                            base_url=request.build_absolute_uri("/"), **s.validated_data)
        return Response(IssuerInvitationOutput(invitation).data, status=201)


class InvitationRevokeApi(ApiView):
    @extend_schema(request=None, responses={200: IssuerInvitationOutput, **error_responses(403, 404, 409)},
                   operation_id="issuance_invitation_revoke", summary="Revoke a pending invitation (admins)",
                   description="404 for an invitation of another organization; 409 invitation_not_pending.")
    def post(self, request, pk: int):
        issuer = selectors.issuer_require(user=request.user)
        invitation = services.invitation_revoke(issuer=issuer, pk=pk, actor=request.user)
        return Response(IssuerInvitationOutput(invitation).data)
