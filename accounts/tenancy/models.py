from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django_tenants.models import DomainMixin, TenantMixin


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
