"""A portal user's own account: passwords and second factors (django-otp devices).

The portal's views call these functions; they own the writes and transactions.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_otp.models import GenerateNotAllowed
from django_otp.plugins.otp_email.conf import settings as otp_email_settings
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .. import conf, notifications
from ..models import Notification, PortalUser

BACKUP_CODE_COUNT = 10
EMAIL_DEVICE_NAME = "email"
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


def is_portal_login(user) -> bool:
    """True when ``user`` is (or was invited as) a portal user of some client."""
    return bool(user and user.pk) and PortalUser.objects.filter(user=user).exists()


def may_reset_password(user) -> bool:
    """An active login with an activated portal membership (a reset must not activate)."""
    return bool(
        user is not None
        and user.pk
        and user.is_active
        and PortalUser.objects.filter(user=user, activated_at__isnull=False).exists()
    )


def request_password_reset(email: str, known_address: bool = False) -> None:
    """A reset asked for ``email``, known or not: one task enqueued, nothing looked up.

    The request does the same work whatever the address (no timing oracle for
    account enumeration); the worker decides (``send_password_reset``).
    """
    notifications.enqueue_password_reset(email, known_address)


def send_password_reset(email: str, known_address: bool = False) -> bool:
    """In the worker: queue a reset email when ``email`` belongs to a login that may reset.

    At most ``RESET_EMAIL_LIMIT`` per person per ``LOGIN_LOCKOUT``, except for a request
    from an address the person has logged in from (``known_address``: their own network
    always gets its email; requests per address are limited by the view). Returns
    whether one was queued.
    """
    from django.contrib.auth import get_user_model

    User = get_user_model()
    field = User.get_email_field_name()
    user = User._default_manager.filter(**{f"{field}__iexact": email.strip()}).first()
    if not may_reset_password(user):
        return False
    with transaction.atomic():
        # Lock the login: two requests at once must not both pass the cap below.
        User._default_manager.select_for_update().filter(pk=user.pk).first()
        since = timezone.now() - timezone.timedelta(seconds=conf.login_lockout_seconds())
        recent = Notification.objects.filter(
            user=user, kind=Notification.Kind.PASSWORD_RESET, created_at__gte=since
        ).count()
        if recent >= conf.reset_email_limit() and not known_address:
            # Requests are not limited per address (anyone could stop the person's own
            # reset); the person already holds working links from the recent emails.
            return False
        notifications.queue_password_reset(user)
    return True


def has_usable_membership(user, today=None) -> bool:
    """Activated, not blocked, not expired and assigned to at least one portal somewhere."""
    from .access import usable_memberships

    today = today or timezone.localdate()
    return PortalUser.objects.filter(
        usable_memberships(today), user=user, portals__isnull=False
    ).exists()


def confirmed_devices(user) -> list:
    """The user's confirmed second factors, in the order the code step offers them."""
    devices = []
    for model in (EmailDevice, TOTPDevice, StaticDevice):
        devices.extend(model.objects.filter(user=user, confirmed=True).order_by("pk"))
    return devices


@transaction.atomic
def ensure_email_device(user, *, confirmed: bool = True) -> EmailDevice:
    """The user's email device (codes go to the login's own address)."""
    device = EmailDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    if device is None:
        device = EmailDevice.objects.create(user=user, name=EMAIL_DEVICE_NAME, confirmed=confirmed)
    elif confirmed and not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device


def send_email_code(device: EmailDevice) -> tuple[bool, object]:
    """Generate a code and email it through the package's mail path.

    Honours django-otp's cooldown. Returns ``(sent, next_allowed_at)``.
    """
    allowed, data = device.generate_is_allowed()
    if not allowed:
        if data and data.get("reason") == GenerateNotAllowed.COOLDOWN_DURATION_PENDING:
            return False, data.get("next_generation_at")
        return False, None
    validity = otp_email_settings.OTP_EMAIL_TOKEN_VALIDITY
    device.cooldown_set(commit=False)
    device.generate_token(valid_secs=validity, commit=True)
    # An unconfirmed device is being set up (activation), not used to log in.
    notifications.send_login_code(
        device.user, device.token, max(1, validity // 60), setup=not device.confirmed
    )
    return True, None


@transaction.atomic
def start_totp_setup(user) -> TOTPDevice:
    """A new, unconfirmed authenticator device; earlier unconfirmed ones are dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_device(device) -> None:
    """Mark a device as confirmed after the person proved they can use it."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    if isinstance(device, TOTPDevice):
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()


@transaction.atomic
def regenerate_backup_codes(user) -> list[str]:
    """Replace every backup code of the user with new ones, returned to be shown once.

    Devices stay (a session verified with one stays verified); their old codes go.
    """
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    StaticToken.objects.filter(device__user=user).delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def change_password(user, new_password: str) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])


@transaction.atomic
def log_out_everywhere(user, password: str) -> bool:
    """End every session of ``user``: re-hashing the password changes the session hash.

    Needs the current password; returns False (nothing changed) when it is wrong.
    """
    if not user.check_password(password):
        return False
    user.set_password(password)
    user.last_login = timezone.now()
    user.save(update_fields=["password", "last_login"])
    return True


# Why a code was refused; stable codes for views and tests.
CODE_REQUIRED = "token_required"
CODE_DEVICE_REQUIRED = "device_required"
CODE_INVALID = "invalid_token"
CODE_THROTTLED = "n_failed_attempts"
CODE_NOT_ALLOWED = "verification_not_allowed"


def find_device(user, persistent_id: str | None, *, confirmed: bool = True):
    """The user's device named by ``persistent_id``, never another user's."""
    from django_otp.models import Device

    if not persistent_id:
        return None
    # Not for_verify: that SELECT ... FOR UPDATE needs a transaction (PostgreSQL refuses it
    # outside one); verify_code() locks the row itself, inside its own transaction.
    # from_persistent_id() already answers None for malformed ids; a non-string is refused here.
    if not isinstance(persistent_id, str):
        return None
    device = Device.from_persistent_id(persistent_id)
    if device is None or device.user_id != user.pk:
        return None
    if confirmed is not None and device.confirmed != confirmed:
        return None
    return device


def verify_code(device, token: str) -> tuple[bool, str | None, dict]:
    """Check ``token`` on ``device`` with django-otp's throttling.

    Returns ``(ok, reason, extra)``; ``extra`` carries ``failure_count`` when throttled.
    """
    from django_otp.models import VerifyNotAllowed

    if device is None:
        return False, CODE_DEVICE_REQUIRED, {}
    token = (token or "").strip().replace(" ", "")
    if not token:
        return False, CODE_REQUIRED, {}
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        allowed, extra = device.verify_is_allowed()
        if not allowed:
            if extra and extra.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
                return False, CODE_THROTTLED, {"failure_count": extra["failure_count"]}
            return False, CODE_NOT_ALLOWED, {}
        if device.verify_token(token):
            return True, None, {"device": device}
    return False, CODE_INVALID, {}
