from django.conf import settings
from django.db import migrations


def create_public_tenant(apps, schema_editor):
    """The public site (system administration) is the `public` schema, served at PUBLIC_DOMAIN."""
    Organization = apps.get_model("tenancy", "Organization")
    Domain = apps.get_model("tenancy", "Domain")
    public, _ = Organization.objects.get_or_create(
        schema_name="public", defaults={"name": "System administration", "slug": "public"}
    )
    Domain.objects.get_or_create(domain=settings.PUBLIC_DOMAIN, defaults={"tenant": public, "is_primary": True})


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]

    operations = [migrations.RunPython(create_public_tenant, migrations.RunPython.noop)]
