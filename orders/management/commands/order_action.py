"""manage.py order_action: act on one order from the shell, through the same services as the order page."""

from django.core.management.base import CommandError
from django_tenants.utils import tenant_context

from accounts.management.cli import CheckedCommand, account_by_code, domain_errors, organization_by_slug
from accounts.models import Account, Warehouse
from accounts.selectors import account_order_worker_by_email, warehouse_by_code
from orders.models import ADDRESS_FIELDS, Order
from orders.services import actions

ACTIONS = ["cancel", "hold", "release", "address", "contact", "notes", "reallocate", "note", "tag", "assign"]


class Command(CheckedCommand):
    columns = {"account": (Account, "code"), "number": (Order, "number"), "warehouse": (Warehouse, "code")}
    help = (
        "Act on one order: cancel, hold or release it (--reason), change its shipping address (--name, --line1, "
        "--line2, --city, --region, --postal-code, --country: only those given), contact details (--customer-name, "
        "--customer-email, --customer-phone) or notes (--text), allocate it again (--warehouse CODE to use another), "
        "add a note (--text), add or remove tags (--add, --remove, commas between), or assign it (--email; "
        "--email '' for nobody). Refusals print one line and exit 1; nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, metavar="SLUG", help="The organization's address name.")
        parser.add_argument("--account", required=True, metavar="CODE", help="The account's code, e.g. ACME-STORE.")
        parser.add_argument("--number", required=True, metavar="NUMBER", help="The order, e.g. SO-0000042.")
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("--reason", default="", help="Why (cancel, hold, release).")
        for name in ADDRESS_FIELDS:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=f"address_{name}", default=None,
                                help=f"Address: the new {name.replace('_', ' ')}.")
        parser.add_argument("--customer-name", default=None)
        parser.add_argument("--customer-email", default=None)
        parser.add_argument("--customer-phone", default=None)
        parser.add_argument("--text", default="", help="The note, or the new notes.")
        parser.add_argument("--warehouse", default="", metavar="CODE", help="Reallocate: in this warehouse.")
        parser.add_argument("--add", default="", help="Tags to add, commas between.")
        parser.add_argument("--remove", default="", help="Tags to remove, commas between.")
        parser.add_argument("--email", default=None, help="Assign: the member's email ('' for nobody).")

    def handle(self, *args, **options):
        organization = organization_by_slug(options["org"])
        with tenant_context(organization):
            account = account_by_code(organization, options["account"])
            number = (options["number"] or "").strip().upper()
            order = Order.objects.filter(account=account, number=number).select_related("account", "warehouse").first()
            if order is None:
                raise CommandError(f"Account {account.code} has no order “{options['number']}”.")
            with domain_errors():
                done = self._act(order, account, options)
            self.stdout.write(self.style.SUCCESS(done))

    def _act(self, order, account, options) -> str:
        action = options["action"]
        if action in ("cancel", "hold", "release"):
            service = {"cancel": actions.order_cancel, "hold": actions.order_hold, "release": actions.order_release}
            order = service[action](order=order, by=None, reason=options["reason"])
            return f"{order.number} is {order.get_status_display().lower()}."
        if action == "address":
            address = {n: options[f"address_{n}"] for n in ADDRESS_FIELDS if options[f"address_{n}"] is not None}
            if not address:
                raise CommandError("address: give at least one of --name, --line1, --line2, --city, --region, "
                                   "--postal-code, --country.")
            actions.order_edit_address(order=order, by=None, address=address)
            return f"The shipping address of {order.number} was changed."
        if action == "contact":
            actions.order_edit_contact(
                order=order, by=None,
                name=order.customer_name if options["customer_name"] is None else options["customer_name"],
                email=order.customer_email if options["customer_email"] is None else options["customer_email"],
                phone=order.customer_phone if options["customer_phone"] is None else options["customer_phone"],
            )
            return f"The contact details of {order.number} were changed."
        if action == "notes":
            actions.order_edit_notes(order=order, by=None, notes=options["text"])
            return f"The notes of {order.number} were changed."
        if action == "reallocate":
            warehouse = None
            if options["warehouse"]:
                warehouse = warehouse_by_code(account=account, code=options["warehouse"])
                if warehouse is None:
                    raise CommandError(f"Account {account.code} has no warehouse “{options['warehouse']}”.")
            order = actions.order_reallocate(order=order, by=None, warehouse=warehouse)
            return f"{order.number} is allocated in {order.warehouse.name} ({order.warehouse.code})."
        if action == "note":
            actions.order_note_add(order=order, by=None, text=options["text"])
            return f"The note was added to {order.number}."
        if action == "tag":
            order = actions.order_tags_change(order=order, by=None, add=options["add"], remove=options["remove"])
            return f"{order.number}'s tags: {', '.join(order.tags) or 'none'}."
        email = (options["email"] or "").strip().lower() if options["email"] is not None else None
        if email is None:
            raise CommandError("assign: give --email (or --email '' for nobody).")
        user_id = None
        if email:
            person = account_order_worker_by_email(account=account, email=email)
            if person is None:
                raise CommandError(f"{options['email']} cannot work orders on {account.code}.")
            user_id = person.pk
        actions.order_assign(order=order, by=None, user_id=user_id)
        return f"{order.number} is assigned to {email or 'nobody'}."
