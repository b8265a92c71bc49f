"""Links of the keyset lists' pagers (orders, inventory levels, ledger), drawn by templates/partials/_pager.html."""


def page_url(path: str, query: str, direction: str, token) -> str | None:
    """`path` with the list's filters (`query`, already encoded) one page back (`direction` "before") or on
    ("after") from the cursor `token`; None at an end (no token)."""
    if token is None:
        return None
    return f"{path}?" + "&".join(part for part in (query, f"{direction}={token}") if part)
