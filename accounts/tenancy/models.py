from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_tenants.models import DomainMixin, TenantMixin

from accounts.roles import AccountRole


class Organization(TenantMixin):
    """A tenant: one PostgreSQL schema holds all of its accounts and their data."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    require_two_factor_for_admins = models.BooleanField(
        "Require two-factor sign-in for administrators",
        default=False,
        help_text="Organization administrators, supervisors and account administrators must set up two-factor "
        "sign-in before they can use this organization.",
    )

    auto_create_schema = True
    auto_drop_schema = True

    def create_schema(self, *args, **kwargs):
        from accounts.tenancy.template import tenant_schema_align_names, tenant_template_ensure

        tenant_template_ensure()  # new schemas are cloned from it (TENANT_BASE_SCHEMA)
        created = super().create_schema(*args, **kwargs)
        tenant_schema_align_names(self.schema_name)
        return created

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organization_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    pass


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """The one user model, shared by every organization. Signs in with the email address."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    @property
    def is_system_admin(self) -> bool:
        return self.is_active and self.is_superuser

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Membership(models.Model):
    """A user's place in an organization. Account-level roles are object permissions on accounts."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Organization administrator"
        SUPERVISOR = "supervisor", "Supervisor"
        MEMBER = "member", "Member (account roles only)"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
        ]

    @property
    def sees_every_account(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.SUPERVISOR)

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.get_role_display()})"


class Invitation(models.Model):
    """An offer to join an organization, sent to an email address and accepted through a one-time link.
    Only the token's hash is kept. `account_id` (a row of the organization's schema) with `account_role`
    is the account role to give on acceptance; without them the invitation gives only `role`."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    account_id = models.BigIntegerField(null=True, blank=True)
    account_role = models.CharField(max_length=20, choices=AccountRole.choices, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One pending invitation per address and grant; inviting again replaces it.
            models.UniqueConstraint(
                fields=["organization", "email", "account_id"],
                condition=models.Q(accepted_at__isnull=True),
                nulls_distinct=False,
                name="invitation_pending_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(account_id__isnull=True, account_role="")
                | models.Q(account_id__isnull=False) & ~models.Q(account_role=""),
                name="invitation_account_role_together",
            ),
        ]

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"
