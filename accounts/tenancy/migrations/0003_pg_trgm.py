from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm, once per database, in the public schema.

    Every tenant schema's search path ends in `public` (django-tenants), so the tenant apps' trigram indexes
    (orders 0003) find `gin_trgm_ops` there. Created here, in a shared app, because tenant-app migrations run
    once per schema and `CREATE EXTENSION` without a schema would put it into whichever tenant came first.
    """

    dependencies = [("tenancy", "0002_public_tenant")]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
            reverse_sql=migrations.RunSQL.noop,  # other databases' objects may use it; never dropped here
        )
    ]
