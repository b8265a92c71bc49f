"""Invitations: how a person who is not yet a member of an organization joins it.

Inside an organization, an email that is not one of its members always gets the same answer, an invitation,
whether or not a user with that email exists elsewhere: nothing tells an organization who else uses the
installation, and nobody becomes a member without accepting. The link carries a random token; only its
SHA-256 hash is stored (256 random bits, so a fast hash is enough, as for API keys).
"""

import hashlib
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts import roles
from accounts.models import Account
from accounts.selectors import member_by_email
from accounts.services import account_role_grant, activity_log
from accounts.tenancy.models import Invitation, Membership, Organization, User
from accounts.tenancy.services import organization_url, user_create
from oms.exceptions import DomainError

ROLE_RANK = {Membership.Role.MEMBER: 0, Membership.Role.SUPERVISOR: 1, Membership.Role.ADMIN: 2}


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why the invitation cannot be accepted, in words for the person holding the link; None if it can."""
    if invitation is None:
        return "This invitation link is not valid. Check that you opened the whole link from the email."
    if invitation.accepted_at is not None:
        return "This invitation has already been used. Sign in instead."
    if invitation.is_expired:
        return "This invitation has expired. Ask an administrator of the organization to invite you again."
    return None


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError("Enter a valid email address.", field="email") from None
    if len(email) > Invitation._meta.get_field("email").max_length:
        raise DomainError("Enter a valid email address (at most 254 characters).", field="email")
    return email


def _invitation_create(
    *, organization: Organization, email: str, role: str, by, account: Account | None = None, account_role: str = ""
) -> Invitation:
    """A new invitation (replacing a pending one for the same email and grant), its email sent. Part of the
    caller's transaction: if the email cannot be sent, no invitation is left behind."""
    account_id = account.pk if account is not None else None
    Invitation.objects.filter(
        organization=organization, email=email, account_id=account_id, accepted_at__isnull=True
    ).delete()
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization,
                email=email,
                role=role,
                account_id=account_id,
                account_role=account_role,
                token_hash=invitation_token_hash(token),
                invited_by=by if getattr(by, "pk", None) else None,
                expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
            )
    except IntegrityError:  # the same invitation sent at the same moment by someone else
        raise DomainError(f"{email} is being invited right now; reload the page.", field="email") from None
    link = organization_url(organization).rstrip("/") + reverse("invitation_accept", args=[token])
    context = {
        "organization": organization,
        "invited_by": invitation.invited_by,
        "account": account,
        "grant": roles.AccountRole(account_role).label if account_role else Membership.Role(role).label,
        "link": link,
        "expires_at": invitation.expires_at,
    }
    try:
        send_mail(
            subject=f"You are invited to {organization.name}",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    except (OSError, smtplib.SMTPException):
        raise DomainError("The invitation email could not be sent; nothing was saved. Try again later.") from None
    if account is not None:
        activity_log(
            account=account, by=by, action="user.invited",
            summary=f"Invited {email} as {roles.AccountRole(account_role).label}",
        )
    return invitation


@transaction.atomic
def account_access_give(*, account: Account, organization: Organization, email: str, role: str, by) -> User | Invitation:
    """The Users tab: a member of the organization gets the account role at once (the User is returned);
    anyone else, whether or not they use another organization, is sent an invitation (returned)."""
    if role not in roles.ROLE_PERMS:
        raise DomainError("Choose a role.", field="role")
    email = _clean_email(email)
    if member_by_email(organization=organization, email=email) is not None:
        return account_role_grant(account=account, organization=organization, email=email, role=role, by=by)
    return _invitation_create(
        organization=organization, email=email, role=Membership.Role.MEMBER, by=by, account=account, account_role=role
    )


@transaction.atomic
def member_invite(*, organization: Organization, email: str, role: str, by) -> Membership | Invitation:
    """The organization page: a member gets the organization role at once (the Membership is returned);
    anyone else is sent an invitation (returned)."""
    if role not in Membership.Role.values:
        raise DomainError("Choose a role.", field="role")
    email = _clean_email(email)
    user = member_by_email(organization=organization, email=email)
    if user is None:
        return _invitation_create(organization=organization, email=email, role=role, by=by)
    membership = Membership.objects.select_for_update().get(user=user, organization=organization)
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, full_name: str = "") -> User:
    """Join: an existing user proves it is them with their password, a new person chooses one (the password
    policy applies). Membership, account role and the invitation's use are written together."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organization", "invited_by")
        .filter(pk=invitation.pk)
        .first()
    )  # None if revoked meanwhile
    problem = invitation_problem(invitation)
    if problem:
        raise DomainError(problem)
    organization = invitation.organization
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = user_create(email=invitation.email, password=password, full_name=full_name)
    elif not user.is_active or not user.check_password(password or ""):
        raise DomainError(f"That is not the password of {user.email}.", field="password", code="wrong_password")
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": invitation.role}
    )
    if not created and ROLE_RANK[invitation.role] > ROLE_RANK[membership.role]:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    if invitation.account_id is not None:
        with tenant_context(organization):
            account = Account.objects.filter(pk=invitation.account_id).first()
            if account is None:
                raise DomainError("The account of this invitation no longer exists. Ask for a new invitation.")
            if membership.role == Membership.Role.MEMBER and not user.is_superuser:
                account_role_grant(
                    account=account, organization=organization, email=user.email, role=invitation.account_role,
                    by=invitation.invited_by,
                )
            activity_log(
                account=account, by=user, action="user.invitation_accepted",
                summary=f"{user.email} accepted the invitation as {roles.AccountRole(invitation.account_role).label}",
            )
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, account: Account | None = None, by) -> None:
    """The link stops working at once."""
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).delete()
    if account is not None:
        activity_log(
            account=account, by=by, action="user.invitation_revoked", summary=f"Revoked the invitation of {invitation.email}"
        )
