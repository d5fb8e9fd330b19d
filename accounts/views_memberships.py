"""Pages for joining organizations and choosing the one you act in: the invitee's
"Invitations" page (Accept/Decline), the link from the invitation e-mail (sign in or sign up,
then answer), and the organization switcher. Each view parses input, calls one service or
selector, renders."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotFoundError
from core.forms import apply_error, page_int
from core.navigation import next_path
from core.views import run_with_message

from . import memberships

SESSION_TOKENS = "invitation_tokens"  # {invitation id: token}, kept from the e-mail link until answered


class InvitedSignUpForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    password = forms.CharField(label=gettext_lazy("Password"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(label=gettext_lazy("Password again"),
                                     widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords do not match."))
        return data


def _tokens(request) -> dict:
    tokens = request.session.get(SESSION_TOKENS)
    return tokens if isinstance(tokens, dict) else {}


@login_required
def invitations(request):
    """The invitee's pending invitations. Accepting needs the token from the e-mail: a row
    whose link was opened in this session has its buttons; the others say to open the link."""
    tokens = _tokens(request)
    rows = [(inv, str(inv.pk) in tokens) for inv in memberships.invitations_pending_for(user=request.user)]
    return render(request, "accounts/invitations.html", {"rows": rows})


@require_http_methods(["GET"])
def invitation_open(request, pk: int, token: str):
    """The link in the invitation e-mail. Signed in as the invitee: the token is kept in the
    session and they answer on the Invitations page (the token leaves the address bar).
    Not signed in: sign in, or create the account for the invited address."""
    invitation = memberships.invitation_by_token(pk=pk, token=token)
    if not request.user.is_authenticated:
        return render(request, "accounts/invitation_open.html", {"invitation": invitation, "token": token})
    if invitation.email.lower() != request.user.email.lower():
        return render(request, "accounts/invitation_open.html", {"invitation": invitation, "wrong_user": True},
                      status=403)
    if invitation.status != invitation.Status.PENDING:
        messages.info(request, _("This invitation has already been answered or withdrawn."))
    else:
        request.session[SESSION_TOKENS] = {**_tokens(request), str(invitation.pk): token}
    return redirect("accounts:invitations")


@require_http_methods(["GET", "POST"])
def invitation_sign_up(request, pk: int, token: str):
    """Create the account for the invited address, then answer the invitation."""
    invitation = memberships.invitation_by_token(pk=pk, token=token)
    form = InvitedSignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = memberships.invited_sign_up(pk=pk, token=token, password=form.cleaned_data["password"],
                                               full_name=form.cleaned_data["full_name"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your account is ready. Accept or decline the invitation below."))
            return redirect("accounts:invitation-open", pk=pk, token=token)
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/invitation_sign_up.html", context, status=400 if form.errors else 200)


def _answer(request, pk: int, service, ok: str):
    token = request.POST.get("token") or _tokens(request).get(str(pk), "")
    if run_with_message(request, lambda: service(pk=pk, token=token, actor=request.user), ok, reraise=(NotFoundError,)):
        request.session[SESSION_TOKENS] = {k: v for k, v in _tokens(request).items() if k != str(pk)}
    return redirect("accounts:invitations")


@login_required
@require_POST
def invitation_accept(request, pk: int):
    return _answer(request, pk, memberships.invitation_accept,
                   _("You joined the organization. Switch to it when you want to work in it."))


@login_required
@require_POST
def invitation_decline(request, pk: int):
    return _answer(request, pk, memberships.invitation_decline, _("Invitation declined."))


@login_required
@require_http_methods(["GET", "POST"])
def organization_choose(request):
    """The organization switcher: GET lists the person's organizations, POST chooses one."""
    next_url = next_path(request, request.POST.get("next") or request.GET.get("next", ""))
    if request.method == "POST":
        raw = request.POST.get("organization", "")
        organization_id = page_int(raw) or 0
        organization = memberships.organization_activate(organization_id=organization_id, actor=request.user)
        messages.success(request, _("You are now working in %(organization)s.") % {"organization": organization.name})
        return redirect(next_url or "accounts:dashboard")
    context = {"memberships": memberships.memberships_of(user=request.user),
               "active": memberships.organization_active_for(user=request.user), "next": next_url or ""}
    return render(request, "accounts/organization_choose.html", context)
