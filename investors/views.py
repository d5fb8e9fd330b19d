"""Investor pages: the KYC profile with documents and status, and the wallets. Each view
parses input, calls one service, renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from core.forms import apply_error, page_int
from core.upload_limits import upload_limit
from core.views import run_with_message

from . import custody, selectors, services
from .downloads import document_response
from .forms import DocumentForm, ProfileForm, WalletAddressForm, WalletSignatureForm
from .tax import tax_situation


def _profile_context(request, form=None, document_form=None) -> dict:
    profile = selectors.profile_for(user=request.user)
    return {
        "profile": profile,
        "status": profile.get_kyc_status_display() if profile else _("Not submitted"),
        "status_code": profile.kyc_status if profile else "draft",
        "editable": profile is None or profile.editable,
        "missing": selectors.missing_items(profile),
        "form": form or ProfileForm.for_profile(profile),
        "document_form": document_form or DocumentForm(prefix="doc"),
        "documents": selectors.documents_for(user=request.user),
        "wallets": selectors.wallets_for(user=request.user),
        "tax": tax_situation(user=request.user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = None
    if request.method == "POST":
        current = selectors.profile_for(user=request.user)
        form = ProfileForm.for_profile(current, request.POST)
        if form.is_valid():
            try:
                services.profile_update(user=request.user, data=form.cleaned_data, actor=request.user)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                messages.success(request, _("Your profile was saved."))
                return redirect("investors:profile")
    context = _profile_context(request, form=form)
    return render(request, "investors/profile.html", context, status=400 if form is not None and form.errors else 200)


@login_required
@require_POST
@upload_limit("KYC_DOCUMENT_MAX_BYTES")  # refused (413) before the body is read: core/upload_limits.py
def document_upload(request):
    form = DocumentForm(request.POST, request.FILES, prefix="doc")
    if form.is_valid():
        try:
            services.document_upload(user=request.user, kind=form.cleaned_data["kind"],
                                     uploaded=form.cleaned_data["file"], actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("The document was uploaded."))
            return redirect("investors:profile")
    return render(request, "investors/profile.html", _profile_context(request, document_form=form), status=400)


@login_required
@require_GET
def document_download(request, pk: int):
    # Decrypted in the service; an unreadable file is a DocumentUnreadableError page.
    return document_response(services.document_download(pk=pk, actor=request.user))


@login_required
@require_GET
def wallets(request):
    challenge = None
    if (challenge_id := page_int(request.GET.get("challenge", ""))) is not None:
        challenge = selectors.open_challenge_for(user=request.user, pk=challenge_id)
    return _render_wallets(request, challenge=challenge)


def _render_wallets(request, *, challenge=None, address_form=None, signature_form=None, status=200):
    wallets = selectors.wallets_for(user=request.user)
    context = {
        "wallets": wallets,
        "has_custody_wallet": any(wallet.custody == wallet.Custody.PLATFORM for wallet in wallets),
        "challenge": challenge,
        "address_form": address_form or WalletAddressForm(),
        "signature_form": signature_form or (WalletSignatureForm(initial={"challenge": challenge.pk})
                                             if challenge else None),
    }
    return render(request, "investors/wallets.html", context, status=status)


@login_required
@require_POST
def wallet_challenge(request):
    form = WalletAddressForm(request.POST)
    if form.is_valid():
        try:
            challenge = services.wallet_challenge_create(address=form.cleaned_data["address"], actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            return redirect(f"{reverse('investors:wallets')}?challenge={challenge.pk}")
    return _render_wallets(request, address_form=form, status=400)


@login_required
@require_POST
def wallet_verify(request):
    form = WalletSignatureForm(request.POST)
    challenge = None
    if form.is_valid():
        challenge = selectors.open_challenge_for(user=request.user, pk=form.cleaned_data["challenge"])
        try:
            wallet = services.wallet_verify(challenge_id=form.cleaned_data["challenge"],
                                            signature=form.cleaned_data["signature"], actor=request.user)
        except ApplicationError as error:
            apply_error(form, error)
        else:
            messages.success(request, _("Wallet %(address)s is registered.") % {"address": wallet.address})
            return redirect("investors:wallets")
    return _render_wallets(request, challenge=challenge, signature_form=form, status=400)


@login_required
@require_POST
def wallet_remove(request, pk: int):
    wallet = services.wallet_remove(wallet_id=pk, actor=request.user)
    messages.success(request, _("Wallet %(address)s was removed.") % {"address": wallet.address})
    return redirect("investors:wallets")


@login_required
@require_POST
def custody_wallet_create(request):
    """"Have the trust bank keep a wallet for me": one POST, no input. Not approved, or a
    second one, is a message on the wallets page; another role gets the 403 page."""
    run_with_message(
        request,
        lambda: custody.custody_wallet_create(profile=selectors.profile_for(user=request.user), actor=request.user),
        _("The trust bank now keeps a wallet for you."),
        reraise=(NotFoundError, PermissionDeniedError),
    )
    return redirect("investors:wallets")
