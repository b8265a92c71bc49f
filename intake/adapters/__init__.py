"""One adapter per payload format: a function from the raw payload to a NormalizedOrder.

Adding a channel type means adding one module here that calls `register`; the channel form offers every
registered format, and intake picks the adapter by the channel's `order_format` ("oms" for the API).
"""

from intake.adapters import amazon, oms, sandbox, shopify  # noqa: F401  (each registers its format)
from intake.adapters.registry import Adapter, adapter_for, format_choices, normalize, register  # noqa: F401
