from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """Public-schema models: organizations (tenants), their domains, users and memberships."""

    name = "accounts.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        from accounts.tenancy import migrate  # noqa: F401 (registers migrate_schemas --executor=oneplan)
