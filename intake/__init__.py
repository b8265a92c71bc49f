"""Order intake: the one entry flow for every new order and document, whichever door it comes through.

What belongs here: payload adapters (`adapters/`, one per format) into the normalized shape (`normalized.py`);
validation (`validation.py`); the writes (`services/`: failures, orders, documents, replay, aliases,
idempotency); channel import with retries (`importing.py`); the CSV import (`csv_import.py`); reads
(`selectors.py`); the Intake page and the manual order form (`views.py`, `forms.py`); tasks and commands.
"""
