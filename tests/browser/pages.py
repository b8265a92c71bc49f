"""The main pages of both sites, in one place, for the browser tests that visit every page (accessibility).

Each entry is (who, path): `who` is the demo-like role that opens it (see test_accessibility.py's fixture),
`path` is formatted with the fixture's ids ({account}, {order}, {sku}, {channel}, {failure}, {organization}).
Add new pages here.
"""

SETTINGS_TABS = ["main", "workflow", "privacy", "api-rules", "recurring-jobs", "order-rules", "warehouses", "users"]

ORGANIZATION_PAGES = [
    ("anonymous", "/login/"),
    ("member", "/"),  # the organization home of someone with several accounts
    ("admin", "/organization/"),
    ("admin", "/organization/accounts/clone/"),
    ("admin", "/accounts/{account}/"),
    ("admin", "/accounts/{account}/orders/"),
    ("admin", "/accounts/{account}/orders/{order}/"),
    ("admin", "/accounts/{account}/orders/{order}/clone/"),
    ("admin", "/accounts/{account}/orders/clone-metrics/"),
    ("admin", "/accounts/{account}/orders/reorders-due/"),
    ("admin", "/accounts/{account}/inventory/"),
    ("admin", "/accounts/{account}/inventory/sku/{sku}/"),
    ("admin", "/accounts/{account}/inventory/adjust/"),
    ("admin", "/accounts/{account}/intake/"),
    ("admin", "/accounts/{account}/intake/failures/{failure}/"),
    ("admin", "/accounts/{account}/intake/new-order/"),
    ("admin", "/accounts/{account}/intake/import-csv/"),
    ("admin", "/accounts/{account}/channels/"),
    ("admin", "/accounts/{account}/channels/{channel}/"),
    ("admin", "/accounts/{account}/order-rules/new/"),
    *[("admin", f"/accounts/{{account}}/settings/{tab}/") for tab in SETTINGS_TABS],
    ("admin", "/two-factor/"),
]

PUBLIC_PAGES = [
    ("anonymous", "/login/"),
    ("sysadmin", "/"),
    ("sysadmin", "/organizations/new/"),
    ("sysadmin", "/organizations/{organization}/"),
    ("sysadmin", "/two-factor/"),
]
