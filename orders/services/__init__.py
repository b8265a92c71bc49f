"""Writes of the orders app, one module per concern: `create.py` (drafts, insert, status transitions),
`numbers.py` (order numbers, unique per account under concurrency), `clone.py` (the one clone service: clean
steps, then drafts), `rules.py` (order rules) and `saved_views.py` (a user's
saved views of the order list)."""
