"""The order list leaves simulations out unless asked for; "Simulations: only" walks this partial index, which is
written only when a simulation is made (real orders' inserts do not pay for it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_tax_rate_precision")]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("is_simulation", True)), fields=["account", "-created_at", "-id"],
                name="order_account_simulations",
            ),
        ),
    ]
