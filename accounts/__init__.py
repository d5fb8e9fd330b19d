"""Custom User (e-mail login), roles, organizations with issuer memberships, 2FA."""
