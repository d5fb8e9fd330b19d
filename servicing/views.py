"""Issuer and staff pages of the paying agent (being built: see servicing/urls.py)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def security_actions(request, pk: int):
    raise Http404


@login_required
def action_detail(request, pk: int):
    raise Http404


@login_required
def action_lines_csv(request, pk: int):
    raise Http404


@login_required
def action_payment_file(request, pk: int):
    raise Http404


@login_required
def desk(request):
    raise Http404
