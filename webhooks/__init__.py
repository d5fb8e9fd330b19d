"""Webhooks: organizations and operators register HTTPS endpoints for the events they choose
(core/events.py); each delivery is signed, retried with backoff, logged per attempt and can be
replayed by hand."""
