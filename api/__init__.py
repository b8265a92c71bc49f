"""The public JSON API (django-ninja) at /api/v1/: one module per resource (`orders.py`, `documents.py`,
`inventory.py`) on one app (`core.py`), with key authentication (`auth.py`), idempotency (`idempotency.py`),
rate limits (`ratelimit.py`), group commit (`group_commit.py`), JSON errors (`errors.py`) and shared types."""
