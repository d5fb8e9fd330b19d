"""The public home page at "/": what the platform does for issuers and investors, and the
offerings their issuers chose to advertise (open or upcoming; never a private placement).
Anyone may read it; a signed-in person also gets the way to their dashboard (signing in
still lands on the dashboard, accounts.views.sign_in)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.clock import business_today

from . import selectors


@require_safe
def home(request):
    today = business_today()
    offerings = [(o, o.opens_on <= today) for o in selectors.offerings_public(today=today)]
    return render(request, "issuance/public_home.html", {"offerings": offerings})
