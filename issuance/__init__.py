"""Issuers (onboarding/KYB), securities, offerings, subscriptions. (Issue 5.)"""
