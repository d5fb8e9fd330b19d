"""Signals accounts sends for apps above it (notifications) to react to, inside the
transaction of the change (so a reaction commits or rolls back with it)."""

from django.dispatch import Signal

# sent with user=<the new User> inside the sign-up transaction
user_signed_up = Signal()
