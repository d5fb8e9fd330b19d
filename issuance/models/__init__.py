"""Issuance models: issuers (onboarding/KYB), securities, offerings, subscriptions."""

from .issuers import Issuer, IssuerDocument
from .offerings import Offering, OfferingDocument, SettlementMode
from .securities import Regulation, Security
from .subscriptions import Subscription

__all__ = ["Issuer", "IssuerDocument", "Offering", "OfferingDocument", "Regulation", "Security", "SettlementMode",
           "Subscription"]
