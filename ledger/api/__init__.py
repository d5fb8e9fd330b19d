"""The register's API (mounted at /api/ledger/, routes in ledger/api_urls.py): the same
operations as the pages, one view per operation. Each view checks its input with a strict
serializer (core.api_fields: exactly what the schema says), calls one service or selector and
serializes; errors use core's body (core.api_errors). Writes that move tokens take the
client's `Idempotency-Key` header, which the services record in the client's own namespace
(ledger.services.client_keys.client_key_stored).

- base.py: the views' base class, input checking, the Idempotency-Key header, error responses
- fields.py: amounts, wallet addresses, ids, dates and reasons as the schema states them
- serializers.py: the bodies in and out
- register.py: a security's register (cap table, actions, issue, transfer, redeem, controls)
  and settlement
- holdings.py: an investor's holdings, history and transfer requests
- compliance.py: forced transfers and wallet recoveries, asked and decided
"""
