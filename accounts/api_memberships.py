"""API for joining organizations and choosing the one you act in (mounted under
/api/accounts/ by accounts/api_urls.py): the invitee's pending invitations, accept, decline,
and the active organization. Views parse input, call one service or selector, serialize."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import ApiView
from core.api_fields import StrictCharField, StrictInput, StrictIntegerField
from core.api_schema import error_responses
from core.pagination import cursor_paginate, paginated

from . import memberships
from .models import Membership


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    status = serializers.ChoiceField(choices=["pending", "accepted", "declined", "revoked", "expired"])
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class InvitationAnswerInput(StrictInput):
    token = StrictCharField(max_length=200, help_text="The token from the invitation e-mail's link "
                            "(/accounts/invitations/<id>/<token>/).")


class OrganizationChoiceOutput(serializers.Serializer):
    id = serializers.IntegerField(source="organization_id")
    name = serializers.CharField(source="organization.name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class ActiveOrganizationOutput(serializers.Serializer):
    active = OrganizationChoiceOutput(allow_null=True, help_text="The organization you act in; null when you "
                                      "belong to none, or to several and have chosen none.")
    choice_required = serializers.BooleanField(help_text="True: you belong to several organizations and must "
                                               "choose one before creating anything (409 organization_required).")
    organizations = OrganizationChoiceOutput(many=True)


class ActiveOrganizationInput(StrictInput):
    organization = StrictIntegerField(min_value=1, help_text="The id of one of your organizations.")


def _valid(serializer_class, request) -> dict:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return s.validated_data


def _active_state(user) -> dict:
    rows = memberships.memberships_of(user=user)
    active = memberships.organization_active_for(user=user)
    chosen = next((m for m in rows if active is not None and m.organization_id == active.pk), None)
    return {"active": chosen, "choice_required": active is None and len(rows) > 1, "organizations": rows}


class MyInvitationsApi(ApiView):
    @paginated(InvitationOutput, responses=error_responses(403), summary="Your pending invitations",
               description="Invitations to your e-mail address that can still be answered, newest first.")
    def get(self, request):
        return cursor_paginate(request, memberships.invitations_pending_for(user=request.user), InvitationOutput,
                               ordering=("-created_at", "-id"))


class InvitationAnswerApi(ApiView):
    """POST with the token from the e-mail: accept (join the organization with the invited
    role; the organization you act in does not change) or decline."""

    answer = "accept"

    @extend_schema(request=InvitationAnswerInput,
                   responses={200: InvitationOutput, **error_responses(400, 403, 404, 409)},
                   description="404 not_found: no invitation to your e-mail address with this id; 403 "
                               "invitation_token_invalid: wrong token; 409 invitation_not_pending | "
                               "invitation_expired | already_member | account_cannot_join.")
    def post(self, request, pk: int):
        token = _valid(InvitationAnswerInput, request)["token"]
        service = memberships.invitation_accept if self.answer == "accept" else memberships.invitation_decline
        invitation = service(pk=pk, token=token, actor=request.user)
        return Response(InvitationOutput(invitation).data)


class InvitationAcceptApi(InvitationAnswerApi):
    answer = "accept"


class InvitationDeclineApi(InvitationAnswerApi):
    answer = "decline"


class ActiveOrganizationApi(ApiView):
    @extend_schema(responses={200: ActiveOrganizationOutput, **error_responses(403)},
                   summary="The organization you act in, and your organizations")
    def get(self, request):
        return Response(ActiveOrganizationOutput(_active_state(request.user)).data)

    @extend_schema(request=ActiveOrganizationInput,
                   responses={200: ActiveOrganizationOutput, **error_responses(400, 403, 404)},
                   summary="Choose the organization you act in",
                   description="404 not_found unless you are a member of that organization.")
    def post(self, request):
        organization_id = _valid(ActiveOrganizationInput, request)["organization"]
        memberships.organization_activate(organization_id=organization_id, actor=request.user)
        return Response(ActiveOrganizationOutput(_active_state(request.user)).data)
