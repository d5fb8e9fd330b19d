"""Users, roles and memberships.

A user has one primary role. Issuer people belong to an Organization through a Membership
(admin or member); issuance.Issuer (issue 5) hangs its onboarding profile off the
Organization, so this lower app never imports a higher one.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    INVESTOR = "investor", _("Investor")
    ISSUER = "issuer", _("Issuer")
    COMPLIANCE = "compliance", _("Compliance officer")
    OPERATOR = "operator", _("Operator")
    #: Staff of the trust bank that holds the fiat behind the cash tokens (cash/).
    CASH_AGENT = "cash_agent", _("Cash agent")
    #: An issuer's treasury: the non-login holder of its treasury wallet (issuance/treasury.py).
    TREASURY = "treasury", _("Issuer treasury")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("role", Role.OPERATOR)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.INVESTOR)
    language = models.CharField(max_length=8, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # The organization this person acts in when they belong to several, chosen by them
    # (accounts.memberships.organization_activate); never set by someone else's action.
    active_organization = models.ForeignKey(
        "Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def requires_two_factor(self) -> bool:
        """Issuer admins, compliance officers, operators and cash agents must use TOTP."""
        if self.role in (Role.COMPLIANCE, Role.OPERATOR, Role.CASH_AGENT) or self.is_superuser:
            return True
        return self.memberships.filter(role=Membership.Role.ADMIN).exists()


class Organization(models.Model):
    """A company on the platform (an issuer, once issuance onboards it)."""

    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Issuer admin")
        MEMBER = "member", _("Issuer member")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="accounts_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class Invitation(models.Model):
    """An issuer admin's invitation of a person, by e-mail, into their organization. It
    changes nothing for the invitee until they accept it (signed in with that e-mail and
    holding the token from the e-mail). Only a hash of the token is stored."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("invitation status", "Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS = {
        Status.PENDING: {Status.ACCEPTED, Status.DECLINED, Status.REVOKED, Status.EXPIRED},
    }

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"), max_length=254)
    role = models.CharField(_("role"), max_length=16, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64)
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("email"), condition=models.Q(status="pending"),
                name="accounts_invitation_one_pending",
            ),
        ]
        indexes = [models.Index(Lower("email"), "status", name="accounts_invitation_email")]

    def __str__(self) -> str:
        return f"{self.email} -> {self.organization} ({self.status})"


class StaffInvitation(models.Model):
    """An operator's (or a superuser's) invitation of a new member of staff: a compliance
    officer, an operator or a cash agent. The invitee follows the e-mailed link, sets a name and
    a password, and creates the account with that role (accounts.staff); the 2FA middleware then
    makes them enrol an authenticator before any page. Only a hash of the token is stored."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("invitation status", "Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    TRANSITIONS = {
        Status.PENDING: {Status.ACCEPTED, Status.REVOKED, Status.EXPIRED},
    }
    #: The roles staff can be invited to (nobody picks a privileged role for themselves).
    ROLES = (Role.COMPLIANCE, Role.OPERATOR, Role.CASH_AGENT)

    email = models.EmailField(_("e-mail address"), max_length=254)
    role = models.CharField(_("role"), max_length=16,
                            choices=[(r.value, r.label) for r in (Role.COMPLIANCE, Role.OPERATOR, Role.CASH_AGENT)])
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64)
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    #: The account created from this invitation (once accepted).
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff invitation")
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=models.Q(status="pending"),
                                    name="accounts_staffinvitation_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} ({self.status})"

    @property
    def status_shown(self) -> str:
        """The status a person reads: a pending invitation past its expiry can no longer be
        accepted, so it reads Expired before anything writes that down."""
        if self.status == self.Status.PENDING and self.expires_at <= timezone.now():
            return self.Status.EXPIRED.label
        return self.get_status_display()

