"""What the build steps share: the world built so far, and what a load returns."""

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.demo.spec import DemoUser
from accounts.models import Account, Warehouse
from accounts.tenancy.models import Organization, User
from channels.models import Channel


class NoProgress:
    def __init__(self, **kwargs):
        pass

    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class DemoWorld:
    """What the steps have built so far; each step reads what it needs and adds what it made."""

    organization: Organization
    progress: Callable  # tqdm-like: progress(total=, desc=, unit=) -> object with update(n) and close()
    accounts: dict[str, Account] = field(default_factory=dict)  # by code
    warehouses: dict[str, list[Warehouse]] = field(default_factory=dict)  # by account code
    channels: dict[tuple[str, str], Channel] = field(default_factory=dict)  # by (account code, name)
    users: dict[str, User] = field(default_factory=dict)  # by email


@dataclass
class DemoResult:
    organization: Organization
    created: bool  # False: the demo was already there and nothing changed
    users: list[DemoUser]  # every demo login; they all use DEMO_PASSWORD
    counts: dict[str, int]
