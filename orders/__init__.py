"""Catalog, pricing, orders and order rules.

What belongs here: the models (`models.py`), money (`pricing.py`: the rounding rule, promotions, tax), the
order-rule language (`rules.py`), writes in `services/` (creating orders, cloning, rules), reads
(`selectors.py`), the order list/detail/clone/rules pages (`views/`), forms, filters and commands."""
