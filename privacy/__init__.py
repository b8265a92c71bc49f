"""Personal data past its retention: what is due (`selectors.py`) and its set-based redaction in batches
(`services.py`), run by beat across every organization (`tasks.py`) or by `manage.py redact_pii`."""
