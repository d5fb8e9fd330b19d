"""Factories of the chain app's own rows."""

from __future__ import annotations

import factory
from eth_account import Account

from chain.models import Break


class BreakFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Break

    security = factory.SubFactory("issuance.tests.factories.SecurityFactory")
    wallet = factory.LazyFunction(lambda: Account.create().address)
    kind = Break.Kind.BALANCE
    register_value = "100"
    chain_value = "150"
