"""Staff management pages: operators and superusers list the platform's staff and invite new
compliance officers, operators and cash agents (or revoke a pending invitation); the invitee
follows the e-mailed link and creates their account. Each view parses input, calls one service
or selector, renders."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotFoundError
from core.forms import apply_error
from core.views import run_with_message

from . import staff
from .models import Role, StaffInvitation
from .views_memberships import InvitedSignUpForm

ROLE_CHOICES = [("", "---------"), *((r.value, r.label) for r in (Role.COMPLIANCE, Role.OPERATOR, Role.CASH_AGENT))]


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)


@login_required
@require_http_methods(["GET", "POST"])
def staff_list(request):
    """The platform's staff and the invitations; POST invites one more person."""
    staff.staff_desk_ensure(request.user)
    form = StaffInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = staff.staff_invite(email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                                            actor=request.user, base_url=request.build_absolute_uri("/"))
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("accounts:staff")
    context = {"form": form, "members": staff.staff_members(),
               "invitations": staff.staff_invitations(actor=request.user)}
    return render(request, "accounts/staff.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def staff_invitation_revoke(request, pk: int):
    staff.staff_desk_ensure(request.user)
    run_with_message(request, lambda: staff.staff_invitation_revoke(pk=pk, actor=request.user),
                     _("Invitation revoked."), reraise=(NotFoundError,))
    return redirect("accounts:staff")


@require_http_methods(["GET", "POST"])
def staff_join(request, pk: int, token: str):
    """The link in the staff invitation e-mail: set a name and a password, then (signed in)
    the 2FA middleware leads through authenticator enrolment to the dashboard."""
    invitation = staff.staff_invitation_by_token(pk=pk, token=token)
    answerable = invitation.status == StaffInvitation.Status.PENDING and invitation.expires_at > timezone.now()
    form = InvitedSignUpForm(request.POST if request.method == "POST" and answerable else None)
    if form.is_bound and form.is_valid():
        try:
            user = staff.staff_invitation_accept(pk=pk, token=token, password=form.cleaned_data["password"],
                                                 full_name=form.cleaned_data["full_name"])
        except ApplicationError as error:
            apply_error(form, error)
            answerable = error.code not in ("invitation_expired", "invitation_not_pending")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Set up two-factor authentication to continue."))
            return redirect("accounts:dashboard")
    context = {"form": form, "invitation": invitation, "answerable": answerable}
    status = 409 if not answerable else (400 if form.errors else 200)
    return render(request, "accounts/staff_join.html", context, status=status)
