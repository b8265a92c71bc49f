"""One fan-out over organizations: "for every organization, in its schema, do X".

    report = for_each_organization(lambda org: inventory_push_sweep(), label="inventory push sweep")
    report.results  # {schema: what X returned}, for the organizations where X succeeded

It decides once, for every beat task and command that walks organizations:
- which organizations: the active ones (an organization that was switched off does no background work), unless
  the caller names one by slug or asks for the inactive ones too (PII redaction: retention does not stop with
  the organization);
- one organization's failure is logged with its traceback and does not stop the others;
- the run ends with one log line counting the organizations that succeeded and failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from accounts.tenancy.models import Organization
from oms.exceptions import DomainError

logger = logging.getLogger(__name__)


@dataclass
class FanOutReport:
    label: str
    results: dict[str, Any] = field(default_factory=dict)  # schema -> what the function returned
    failed: dict[str, str] = field(default_factory=dict)  # schema -> the error, in one line

    @property
    def succeeded(self) -> int:
        return len(self.results)

    def summary(self) -> str:
        return f"{self.label}: {self.succeeded} organization(s) done, {len(self.failed)} failed"


def organizations(*, slug: str | None = None, include_inactive: bool = False) -> QuerySet[Organization]:
    """The organizations a fan-out walks, by schema name: active ones, or the one with `slug` (active or not;
    DomainError when there is none)."""
    with schema_context(get_public_schema_name()):
        queryset = Organization.objects.exclude(schema_name=get_public_schema_name()).order_by("schema_name")
        if slug is not None:
            slug = slug.strip().lower()
            queryset = queryset.filter(slug=slug)
            if not queryset.exists():
                raise DomainError(f"No organization has the address name “{slug}”.", field="org")
            return queryset
        return queryset if include_inactive else queryset.filter(is_active=True)


def for_each_organization(
    fn: Callable[[Organization], Any],
    *,
    label: str,
    slug: str | None = None,
    include_inactive: bool = False,
    isolate: bool = True,
) -> FanOutReport:
    """Run `fn(organization)` inside each organization's schema. With `isolate` (the default, for beat tasks)
    an exception is logged and counted and the next organization runs; without it (commands that must stop
    and say what went wrong) it propagates."""
    report = FanOutReport(label=label)
    for organization in list(organizations(slug=slug, include_inactive=include_inactive)):
        try:
            with tenant_context(organization):
                report.results[organization.schema_name] = fn(organization)
        except Exception as exc:
            if not isolate:
                raise
            logger.exception("%s failed in %s", label, organization.schema_name)
            report.failed[organization.schema_name] = f"{type(exc).__name__}: {exc}"[:500]
    logger.info(report.summary())
    return report
