from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.directory.models import Person
from concord.regions.models import Region


class EmailUserManager(UserManager["User"]):
    """Users log in with their email; there is no separate username."""

    def _create_user_object(self, username, email, password, **extra_fields):
        email = self.normalize_email(email or username)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        return user

    def create_user(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_superuser(self, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("role", User.Role.COORDINATOR)
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("coordinator")
        REGIONAL_COORDINATOR = "regional_coordinator", _("regional coordinator")
        NGO_MEMBER = "ngo_member", _("NGO member")
        POLICE_LIAISON = "police_liaison", _("police liaison")
        OFFICIAL = "official", _("official")
        MONITOR = "monitor", _("monitor")

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email"), unique=True)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.NGO_MEMBER)
    person = models.OneToOneField(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("person in the directory"),
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="+",
        verbose_name=_("regions in charge"),
        help_text=_("Only for regional coordinators: the regions they work with."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email


class AuditEntry(models.Model):
    """Who saw, exported or was refused whose personal data, and when. Never edited."""

    class Action(models.TextChoices):
        VIEW_PERSON = "view_person", _("viewed a person")
        VIEW_ETHNICITY = "view_ethnicity", _("viewed ethnic affiliation")
        EXPORT = "export", _("exported the directory")
        EXPORT_ETHNICITY = "export_ethnicity", _("exported ethnic affiliation")
        IMPORT = "import", _("imported records")
        EDIT_ETHNICITY = "edit_ethnicity", _("changed ethnic affiliation")
        DENIED = "denied", _("was refused access")
        VIEW_CASE = "view_case", _("viewed an incident case")
        EDIT_CIRCLE = "edit_circle", _("changed a response circle")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("whose data"),
    )
    path = models.CharField(_("address"), max_length=500, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.get_action_display()}"
