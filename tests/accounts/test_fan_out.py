"""One fan-out over organizations: active ones only, each in its own schema, one organization's failure
logged and counted without stopping the others."""

import logging

import pytest
from django.db import connection

from accounts.tenancy.fanout import for_each_organization, organizations
from accounts.tenancy.models import Organization
from oms.exceptions import DomainError


@pytest.fixture
def in_public(db):
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


def test_each_active_organization_runs_in_its_own_schema(in_public):
    report = for_each_organization(lambda org: (org.schema_name, connection.schema_name), label="probe")
    assert report.results["acme"] == ("acme", "acme") and report.results["globex"] == ("globex", "globex")
    assert report.failed == {} and connection.schema_name == "public"


def test_one_failing_organization_is_logged_and_does_not_stop_the_others(in_public, caplog):
    def work(org):
        if org.schema_name == "acme":
            raise RuntimeError("schema broken")
        return "ok"

    with caplog.at_level(logging.INFO, logger="accounts.tenancy.fanout"):
        report = for_each_organization(work, label="probe")
    assert report.failed == {"acme": "RuntimeError: schema broken"}
    assert report.results["globex"] == "ok" and "acme" not in report.results
    assert "probe failed in acme" in caplog.text
    assert f"probe: {report.succeeded} organization(s) done, 1 failed" in caplog.text


def test_inactive_organizations_are_skipped_unless_asked_for(in_public):
    Organization.objects.filter(schema_name="globex").update(is_active=False)
    assert "globex" not in for_each_organization(lambda org: 1, label="probe").results
    assert "globex" in for_each_organization(lambda org: 1, label="probe", include_inactive=True).results
    assert list(organizations(slug="globex").values_list("schema_name", flat=True)) == ["globex"]


def test_an_unknown_slug_is_a_domain_error(in_public):
    with pytest.raises(DomainError, match="No organization has the address name “nowhere”"):
        for_each_organization(lambda org: 1, label="probe", slug="nowhere")


def test_without_isolation_the_error_propagates(in_public):
    def work(org):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        for_each_organization(work, label="probe", isolate=False)
