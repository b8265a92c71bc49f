"""Sales and fulfillment channels and how the OMS talks to them.

What belongs here: channels and their connections (`models.py`); connectors (`connectors.py`: the HTTP/JSON
protocol the sandbox speaks) over one guarded outbound request (`outbound.py`: no internal addresses, no
redirects); channel secrets sealed with their origin (`secrets.py`); writes, reads, pages and the secret
rotation command."""
