"""Who opened what, kept readable after revocation and portal deletion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .history import history_link


class AccessEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded")

    # Links go to NULL when their row goes; the copied columns keep the record readable.
    share = history_link(
        "wagtail_clientportal.Share", related_name="access_events", verbose_name=_("share")
    )
    portal_user = history_link(
        "wagtail_clientportal.PortalUser",
        related_name="access_events",
        verbose_name=_("portal user"),
    )
    user = history_link(settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("user"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)

    user_email = models.CharField(_("user email"), max_length=254)
    user_name = models.CharField(_("user name"), max_length=301)
    client_name = models.CharField(_("client name"), max_length=255)
    portal_name = models.CharField(_("portal name"), max_length=120)
    item_kind = models.CharField(_("item kind"), max_length=20)
    item_title = models.CharField(_("item title"), max_length=255)

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["share", "portal_user"]),
            models.Index(fields=["-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_email} {self.get_action_display()} {self.item_title}"
