"""The intake step: a few orders from Northwind's web store and the API, some of them rejected."""



from accounts.demo.world import DemoWorld
from orders.models import Variant

# Intake: a few orders from Northwind's web store and the API, some of them rejected ------------------------------
#
# They go through the one entry flow, as real traffic would, so the Intake page shows health and failures to
# work on: an unknown (legacy) SKU to map and a missing postal code; an API order with an unknown carrier code is
# accepted with a flag (the rule is a Warning).


def _intake_payloads(skus: list[str]) -> list[tuple[str, dict]]:
    ship_to = {"name": "Maya Chen", "street": "48 Mercer St", "city": "New York", "state": "NY", "zip": "10013",
               "country": "US"}
    buyer = {"name": "Maya Chen", "email": "maya.chen@example.com"}

    def web(n: int, items: list[tuple[str, int, str]], **changes) -> tuple[str, dict]:
        body = {"id": f"NWS-{90_000 + n}", "currency": "USD", "buyer": buyer, "ship_to": ship_to,
                "items": [{"sku": sku, "qty": qty, "price": price} for sku, qty, price in items],
                "shipping": {"carrier": "UPS", "service": "GROUND"}}
        body.update(changes)
        return "channel", body

    api_body = {
        "external_id": "ERP-55120", "customer": {"name": "Ravi Patel", "email": "ravi@example.com"},
        "shipping_address": {"name": "Ravi Patel", "line1": "9 Bay Rd", "city": "Boston", "postal_code": "02110",
                             "country": "US"},
        "lines": [{"sku": skus[3], "quantity": 4}], "carrier_code": "PIGEON", "service_code": "GROUND",
    }
    return [
        web(1, [(skus[0], 1, "24.00"), (skus[1], 2, "12.50")]),
        web(2, [(skus[2], 1, "39.00")]),
        web(3, [("NW-LEGACY-17", 3, "45.00"), (skus[0], 1, "24.00")]),
        web(4, [("NW-LEGACY-17", 1, "45.00")]),
        web(5, [(skus[1], 2, "12.50")], ship_to={**ship_to, "zip": ""}),
        ("api", api_body),
    ]


def step_intake(world: DemoWorld) -> None:
    from intake.models import Source
    from intake.services import intake_submit

    account = world.accounts["NORTHWIND"]
    channel = world.channels[("NORTHWIND", "Northwind Web Store")]
    skus = list(Variant.objects.filter(account=account, is_active=True).order_by("sku").values_list("sku", flat=True)[:4])
    for source, payload in _intake_payloads(skus):
        if source == "channel":
            intake_submit(account=account, payload=payload, channel=channel, source=Source.CHANNEL)
        else:
            intake_submit(account=account, payload=payload, source=Source.API)
