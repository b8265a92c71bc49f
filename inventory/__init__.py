"""Stock: levels, the ledger, allocation and the real-time push to sales channels.

What belongs here: levels, ledger entries, the push outbox and each channel's push circuit (`models.py`);
stock writes (`services.py`) and reads (`selectors.py`); the push (`push.py`: outbox, coalescing, delivery) and
its circuit (`circuit.py`: stop sending to a failing channel, probe, recover); snapshots (`sync.py`); tasks,
pages and the `inventory_check` command."""
