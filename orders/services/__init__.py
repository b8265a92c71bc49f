"""Writes of the orders app, one module per concern: `create.py` (drafts, insert, status transitions),
`numbers.py` (order numbers, unique per account under concurrency), `clone.py` (the one clone service: clean
steps, then drafts), `rules.py` (order rules), `replacements.py` (declared replacement SKUs), `actions.py` (acting
on one order: cancel, hold, release, edits, re-allocation, notes, tags, assignment), `bulk.py` (one action on
many orders) and `saved_views.py` (a user's saved views of the order list). Parts depend one way:
bulk -> actions -> create."""

from orders.services.actions import (  # noqa: F401
    order_assign,
    order_cancel,
    order_edit_address,
    order_edit_contact,
    order_edit_notes,
    order_hold,
    order_note_add,
    order_reallocate,
    order_release,
    order_tags_change,
)
from orders.services.bulk import orders_bulk_apply, orders_bulk_start  # noqa: F401
