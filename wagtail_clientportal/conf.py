"""Every setting of the package, read in one place.

Each accessor reads ``django.conf.settings`` at call time, so
``override_settings`` in tests and per-process settings both work.

==========================================  =========================================
Setting                                     Default
==========================================  =========================================
``WAGTAILCLIENTPORTAL_STORAGE``             ``"clientportal"``: alias in ``STORAGES``
                                            for private files (versions, invoices,
                                            settlements). If the alias is missing, a
                                            ``FileSystemStorage`` at
                                            ``WAGTAILCLIENTPORTAL_PRIVATE_ROOT`` with no
                                            base URL is used.
``WAGTAILCLIENTPORTAL_PRIVATE_ROOT``        ``BASE_DIR / "private"`` (or ``./private``)
``WAGTAILCLIENTPORTAL_FIRM_NAME``           ``"Kancelaria"``
``WAGTAILCLIENTPORTAL_FIRM_LOGO``           ``""``: static path of the firm's logo
``WAGTAILCLIENTPORTAL_FIRM_PHONE``          ``""``: the firm's phone, ``_FIRM_EMAIL`` its
                                            email, ``_FIRM_ADDRESS`` its address,
                                            ``_FIRM_HOURS`` its opening hours: shown in
                                            the portal's footer and every email
``WAGTAILCLIENTPORTAL_FIRM_BANK_ACCOUNT``   ``""``: the firm's account (NRB, with or
                                            without ``PL``) for paying invoices; when
                                            set, an unpaid invoice shows the transfer
                                            details and a Polish payment QR code.
                                            ``_FIRM_BANK_RECIPIENT`` the recipient's
                                            name (``FIRM_NAME``), ``_FIRM_NIP`` its NIP
``WAGTAILCLIENTPORTAL_ZIP_MAX_BYTES``       ``500 * 1024 * 1024``: the largest ZIP of
                                            several items a client may download
``WAGTAILCLIENTPORTAL_ACTIVATION_TIMEOUT``  ``72 * 3600`` seconds
``WAGTAILCLIENTPORTAL_NOTIFY_ITEM_TITLES``  ``False``: item titles stay out of emails
``WAGTAILCLIENTPORTAL_DEFAULT_CURRENCY``    ``"PLN"``
``WAGTAILCLIENTPORTAL_BASE_URL``            ``WAGTAILADMIN_BASE_URL``: scheme and host for
                                            links in emails
``WAGTAILCLIENTPORTAL_MAILER``              ``"default"``: alias in ``MAILERS`` used
                                            for every email of the package
``WAGTAILCLIENTPORTAL_EMAIL_LANGUAGE``      ``LANGUAGE_CODE``: language of the emails
``WAGTAILCLIENTPORTAL_EMAIL_FOOTER``        ``""``: text under every email (address,
                                            registration data of the firm)
``WAGTAILCLIENTPORTAL_TASK_BACKEND``        ``"default"``: alias in ``TASKS`` that
                                            delivers the outbox
``WAGTAILCLIENTPORTAL_NOTIFY_MAX_ATTEMPTS`` ``5``: sending attempts before a
                                            notification is marked failed
``WAGTAILCLIENTPORTAL_NOTIFY_RETRY_DELAY``  ``60`` seconds: first retry delay, doubled
                                            after every failed attempt
``WAGTAILCLIENTPORTAL_NOTIFY_STUCK_AFTER``  ``15 * 60`` seconds: a notification left
                                            "sending" this long (worker died) is
                                            queued again by the resend command
``WAGTAILCLIENTPORTAL_NOTIFY_BATCH_SEND``   ``False``: merge identical messages into one
                                            django-anymail batch send (``merge_data``);
                                            only for ESPs that support batch sending.
                                            Emails then greet without the name.
``WAGTAILCLIENTPORTAL_LOGIN_LIMIT``         ``5``: wrong passwords for one account from
                                            one client address (an IPv6 /64) before
                                            that address must wait
``WAGTAILCLIENTPORTAL_LOGIN_DELAY``         ``30`` seconds: the first wait, doubled
                                            after every further wrong password from
                                            that address (at most ``LOGIN_LOCKOUT``)
``WAGTAILCLIENTPORTAL_LOGIN_ACCOUNT_LIMIT`` ``50``: wrong passwords for one account
                                            from all addresses before it is locked
                                            for everyone for ``LOGIN_LOCKOUT`` but
                                            the addresses the person logged in from
``WAGTAILCLIENTPORTAL_LOGIN_KNOWN_ADDRESS_DAYS`` ``30``: how long such an address is
                                            remembered after a successful login
``WAGTAILCLIENTPORTAL_RESET_EMAIL_LIMIT``   ``3``: reset emails per person per
                                            ``LOGIN_LOCKOUT`` (reset requests are
                                            limited per address by ``LOGIN_IP_LIMIT``)
``WAGTAILCLIENTPORTAL_LOGIN_IP_LIMIT``      ``20``: wrong passwords per IP address
                                            (any account) before the portal login is
                                            locked for that address
``WAGTAILCLIENTPORTAL_LOGIN_LOCKOUT``       ``900`` seconds: how long failures count
``WAGTAILCLIENTPORTAL_CLIENT_IP_HEADER``    ``None``: the client address is
                                            ``REMOTE_ADDR``. Behind a reverse proxy,
                                            the ``request.META`` name of the header
                                            it sets, e.g. ``"HTTP_X_FORWARDED_FOR"``
                                            or ``"HTTP_X_REAL_IP"``. Only set it when
                                            every request comes through that proxy:
                                            otherwise a client can choose its address
``WAGTAILCLIENTPORTAL_TRUSTED_PROXIES``     ``1``: proxies that append to that header;
                                            the client address is this many entries
                                            from its right end
``WAGTAILCLIENTPORTAL_THROTTLE_CACHE``      ``"default"``: alias in ``CACHES`` for login
                                            throttling (must be shared by all processes)
``WAGTAILCLIENTPORTAL_LOGIN_TIMEOUT``       ``600`` seconds between the password and the
                                            one-time code step
``WAGTAILCLIENTPORTAL_PASSKEY_LOGIN``      ``False``: a person with a passkey may also log
                                            in with the passkey alone (no password; the
                                            passkey with its PIN or biometrics is two
                                            factors). Off: a passkey is a second factor
                                            after the password only
``WAGTAILCLIENTPORTAL_PAGE_SIZE``           ``25`` items per portal page
``WAGTAILCLIENTPORTAL_SESSION_IDLE_TIMEOUT`` ``30 * 60`` seconds without a request before
                                            a verified portal session ends
``WAGTAILCLIENTPORTAL_SESSION_MAX_AGE``     ``12 * 3600`` seconds after the code was
                                            accepted, a portal session ends however
                                            active it is (staff sessions untouched)
``WAGTAILCLIENTPORTAL_CSP``                 ``None``: the portal pages' own
                                            Content-Security-Policy, as a dict in the
                                            format of Django's ``SECURE_CSP``; the
                                            default allows only this site (and the
                                            origin of an absolute ``STATIC_URL``), no
                                            inline script or style, no framing
``WAGTAILCLIENTPORTAL_RECEIPT_REMINDER_DAYS`` ``2``: days before a "confirm by" date
                                            when the one reminder is emailed
``WAGTAILCLIENTPORTAL_TSA_URL``           ``""`` (off): URL of an RFC 3161
                                            time-stamping authority. When set, every
                                            receipt confirmation and every first
                                            complete download gets a timestamp token,
                                            asked for by a task after commit
``WAGTAILCLIENTPORTAL_TSA_CLIENT``        ``"wagtail_clientportal.timestamping.HttpTSAClient"``:
                                            dotted path of the class that talks to the
                                            TSA (a subclass can sign requests or log in)
``WAGTAILCLIENTPORTAL_TSA_CERTIFICATES``  ``""``: path of a PEM file with the TSA's
                                            CA certificates (root and intermediates),
                                            needed to verify tokens
``WAGTAILCLIENTPORTAL_TSA_TIMEOUT``       ``10`` seconds for one TSA request
``WAGTAILCLIENTPORTAL_TSA_MAX_ATTEMPTS``  ``8``: attempts before a timestamp is
                                            marked failed (first retry after
                                            ``NOTIFY_RETRY_DELAY``, then doubled)
``WAGTAILCLIENTPORTAL_HASH_THREADS``      ``None``: threads per process that hash a
                                            streamed download beside its sending (up
                                            to 4 on more than two cores, else ``0``:
                                            in the sending thread);
                                            services/stream_hash.py says why
``WAGTAILCLIENTPORTAL_RECEIPT_SIGNING``   ``None`` (off): the firm's certificate for
                                            PAdES signatures of receipt PDFs, a dict
                                            ``{"key": path, "cert": path,
                                            "passphrase": str, "chain": [paths],
                                            "reason": str, "location": str}`` (only
                                            ``key`` and ``cert`` required)
``WAGTAILCLIENTPORTAL_RECEIPT_SIGNER``    ``"wagtail_clientportal.services.``
                                            ``receipt_signing.PadesSigner"``: dotted path
                                            of the class that signs (an HSM or a remote
                                            signing service instead)
``WAGTAILCLIENTPORTAL_UPLOAD_MAX_FILE_SIZE`` ``100 MiB``: largest file a client may send
``WAGTAILCLIENTPORTAL_UPLOAD_MAX_TOTAL_SIZE`` ``200 MiB``: largest sending (all its files)
``WAGTAILCLIENTPORTAL_UPLOAD_MAX_FILES``    ``20`` files per sending
``WAGTAILCLIENTPORTAL_UPLOAD_TYPES``        PDF, JPEG, PNG, HEIC/HEIF, TIFF, WebP, Word,
                                            Excel, OpenDocument: MIME types accepted,
                                            decided from the content (``filetype``)
``WAGTAILCLIENTPORTAL_UPLOAD_RATE``         ``(20, 3600)``: sendings per person per
                                            that many seconds
``WAGTAILCLIENTPORTAL_UPLOAD_QUOTA``        ``5 GiB``: bytes all sendings to one
                                            portal may hold (``None``: no quota)
``WAGTAILCLIENTPORTAL_UPLOAD_NOTIFY``       ``None``: emails told of each sending; by
                                            default the client's contact person
``WAGTAILCLIENTPORTAL_UPLOAD_NOTIFY_FILE_NAMES`` ``False``: the staff email counts
                                            the files and never names them
``WAGTAILCLIENTPORTAL_UPLOAD_TRUST_UNSCANNED`` ``False``: with no scanner hook, files
                                            stay "not checked" (download only, as
                                            an attachment, sandboxed); ``True``
                                            treats them as clean
``WAGTAILCLIENTPORTAL_SERVE_METHOD``       ``"stream"``: how a checked download's bytes
                                            leave: ``"stream"`` (through Python, hashed
                                            as sent), ``"x-accel-redirect"`` (nginx
                                            internal location), ``"x-sendfile"``
                                            (Apache, Caddy, lighttpd) or
                                            ``"presigned"`` (a redirect to a short-lived
                                            signed URL of S3-compatible storage). See
                                            docs/serving.md for what each one proves
``WAGTAILCLIENTPORTAL_X_ACCEL_LOCATIONS``   ``{}``: folder on disk → nginx internal
                                            location, e.g. ``{"/srv/private":
                                            "/_private/"}``; files elsewhere stream
``WAGTAILCLIENTPORTAL_PRESIGNED_LIFETIME``  ``60`` seconds a signed URL stays valid
``WAGTAILCLIENTPORTAL_KSEF_QR_HOST``        ``"qr.ksef.mf.gov.pl"``: host of the KOD I
                                            link (``qr-test.`` / ``qr-demo.`` for
                                            KSeF's test and demo environments)
``WAGTAILCLIENTPORTAL_AUDIT_EXPORT_STREAM_ROWS`` ``50_000``: above this many rows
                                            (shares, access and delivery records,
                                            notifications) an audit ZIP is built by
                                            a task and its link emailed, instead of
                                            being streamed to the browser
``WAGTAILCLIENTPORTAL_AUDIT_EXPORT_KEEP_DAYS`` ``RETENTION_EXPORTS_DAYS`` (7): days a
                                            task-built audit ZIP stays in the private
                                            storage (``clientportal/exports/audit/``;
                                            ``None``: until deleted by hand)
``WAGTAILCLIENTPORTAL_AUDIT_EXPORT_RECEIPT_PDFS`` ``200``: receipt PDFs one audit
                                            ZIP holds at most (the JSON receipt of
                                            every pair always goes in); ``None``: no
                                            limit, ``0``: JSON only
``WAGTAILCLIENTPORTAL_AUDIT_EXPORT_STREAM_FILE_BYTES`` ``100 MiB``: an audit ZIP
                                            with the delivered files larger than
                                            this is built by a task
``WAGTAILCLIENTPORTAL_KSEF_XML_MAX_BYTES``  ``3 MB``: the largest FA(3) file staff may
                                            import (KSeF's own limit with attachments)
``WAGTAILCLIENTPORTAL_RETENTION_ACCESS_EVENTS_DAYS`` ``6 * 365``: access events
                                            older than this are deleted by
                                            ``clientportal_enforce_retention``
                                            (``None``: kept for ever)
``WAGTAILCLIENTPORTAL_RETENTION_NOTIFICATIONS_DAYS`` ``365``: finished outbox rows
                                            (sent, failed, bounced, …) older than
                                            this are deleted (``None``: kept)
``WAGTAILCLIENTPORTAL_RETENTION_EXPORTS_DAYS`` ``7``: export files kept in the
                                            private storage under
                                            ``clientportal/exports/`` are deleted
                                            after this many days (``None``: kept)
``WAGTAILCLIENTPORTAL_RETENTION_DELIVERY_DAYS`` ``None``: delivery records are never
                                            deleted. A number: a portal's whole chain
                                            goes once its newest record is older,
                                            never while the portal is on legal hold
==========================================  =========================================
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

PREFIX = "WAGTAILCLIENTPORTAL_"


def _get(name: str, default):
    return getattr(settings, PREFIX + name, default)


def storage_alias() -> str:
    return _get("STORAGE", "clientportal")


def private_root() -> Path:
    base = getattr(settings, "BASE_DIR", None)
    default = Path(base) / "private" if base else Path.cwd() / "private"
    return Path(_get("PRIVATE_ROOT", default))


def firm_name() -> str:
    return _get("FIRM_NAME", "Kancelaria")


def firm_logo() -> str:
    return _get("FIRM_LOGO", "")


def firm_phone() -> str:
    return _get("FIRM_PHONE", "")


def firm_email() -> str:
    return _get("FIRM_EMAIL", "")


def firm_address() -> str:
    return _get("FIRM_ADDRESS", "")


def firm_hours() -> str:
    return _get("FIRM_HOURS", "")


def firm_bank_account() -> str:
    return _get("FIRM_BANK_ACCOUNT", "")


def firm_bank_recipient() -> str:
    return _get("FIRM_BANK_RECIPIENT", "")


def firm_nip() -> str:
    return _get("FIRM_NIP", "")


def zip_max_bytes() -> int:
    return _get("ZIP_MAX_BYTES", 500 * 1024 * 1024)


def activation_timeout() -> int:
    return int(_get("ACTIVATION_TIMEOUT", 72 * 3600))


def notify_item_titles() -> bool:
    return bool(_get("NOTIFY_ITEM_TITLES", False))


def default_currency() -> str:
    return _get("DEFAULT_CURRENCY", "PLN")


def base_url() -> str:
    return _get("BASE_URL", getattr(settings, "WAGTAILADMIN_BASE_URL", "http://localhost:8000"))


def mailer() -> str:
    return _get("MAILER", "default")


def login_failure_limit() -> int:
    return int(_get("LOGIN_LIMIT", 5))


def login_account_limit() -> int:
    return int(_get("LOGIN_ACCOUNT_LIMIT", 50))


def login_delay_seconds() -> int:
    return int(_get("LOGIN_DELAY", 30))


def client_ip_header() -> str | None:
    return _get("CLIENT_IP_HEADER", None) or None


def trusted_proxies() -> int:
    return max(1, int(_get("TRUSTED_PROXIES", 1)))


def login_ip_failure_limit() -> int:
    return int(_get("LOGIN_IP_LIMIT", 20))


def login_lockout_seconds() -> int:
    return int(_get("LOGIN_LOCKOUT", 900))


def throttle_cache() -> str:
    return _get("THROTTLE_CACHE", "default")


def login_timeout() -> int:
    return int(_get("LOGIN_TIMEOUT", 600))


def passkey_login() -> bool:
    return bool(_get("PASSKEY_LOGIN", False))


def page_size() -> int:
    return int(_get("PAGE_SIZE", 25))


def email_language() -> str:
    return _get("EMAIL_LANGUAGE", settings.LANGUAGE_CODE)


def email_footer() -> str:
    return _get("EMAIL_FOOTER", "")


def task_backend() -> str:
    return _get("TASK_BACKEND", "default")


def notify_max_attempts() -> int:
    return max(1, int(_get("NOTIFY_MAX_ATTEMPTS", 5)))


def notify_retry_delay() -> int:
    return int(_get("NOTIFY_RETRY_DELAY", 60))


def notify_batch_send() -> bool:
    return bool(_get("NOTIFY_BATCH_SEND", False))


def notify_stuck_after() -> int:
    return int(_get("NOTIFY_STUCK_AFTER", 15 * 60))


def session_idle_timeout() -> int:
    return int(_get("SESSION_IDLE_TIMEOUT", 30 * 60))


def session_max_age() -> int:
    return int(_get("SESSION_MAX_AGE", 12 * 3600))


def portal_csp() -> dict | None:
    return _get("CSP", None)


def notify_provider_timeout() -> float:
    """Seconds a provider call may take, for a mailer configured without a timeout.

    Well below NOTIFY_STUCK_AFTER: a call that hangs must fail before the row it is
    sending could be taken for a dead worker's and sent again by another run.
    """
    return float(_get("NOTIFY_PROVIDER_TIMEOUT", 30))


def receipt_reminder_days() -> int:
    return int(_get("RECEIPT_REMINDER_DAYS", 2))


def login_known_address_days() -> int:
    """Days an address stays "the person's own" after a successful login from it."""
    return int(_get("LOGIN_KNOWN_ADDRESS_DAYS", 30))


def reset_email_limit() -> int:
    """Password-reset emails per person per ``LOGIN_LOCKOUT`` window (the rest are dropped:
    the person already has working links)."""
    return int(_get("RESET_EMAIL_LIMIT", 3))


def tsa_url() -> str:
    return _get("TSA_URL", "") or ""


def tsa_client() -> str:
    return _get("TSA_CLIENT", "wagtail_clientportal.timestamping.HttpTSAClient")


def tsa_certificates() -> str:
    return str(_get("TSA_CERTIFICATES", "") or "")


def tsa_timeout() -> float:
    return float(_get("TSA_TIMEOUT", 10))


def tsa_max_attempts() -> int:
    return max(1, int(_get("TSA_MAX_ATTEMPTS", 8)))


def _days(name: str, default: int | None) -> int | None:
    value = _get(name, default)
    return None if value is None else max(0, int(value))


def retention_access_events_days() -> int | None:
    return _days("RETENTION_ACCESS_EVENTS_DAYS", 6 * 365)


def retention_notifications_days() -> int | None:
    return _days("RETENTION_NOTIFICATIONS_DAYS", 365)


def retention_exports_days() -> int | None:
    return _days("RETENTION_EXPORTS_DAYS", 7)


def retention_delivery_days() -> int | None:
    """``None`` (the default): delivery records, the firm's evidence, are never deleted."""
    return _days("RETENTION_DELIVERY_DAYS", None)


def hash_threads() -> int | None:
    return _get("HASH_THREADS", None)


def receipt_signing() -> dict | None:
    return _get("RECEIPT_SIGNING", None) or None


def receipt_signer() -> str:
    return _get("RECEIPT_SIGNER", "wagtail_clientportal.services.receipt_signing.PadesSigner")


MIB = 1024 * 1024
DEFAULT_UPLOAD_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/heic",
    "image/heif",
    "image/avif",
    "image/tiff",
    "image/webp",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
)


def upload_max_file_size() -> int:
    return int(_get("UPLOAD_MAX_FILE_SIZE", 100 * MIB))


def upload_max_total_size() -> int:
    return int(_get("UPLOAD_MAX_TOTAL_SIZE", 200 * MIB))


def upload_max_files() -> int:
    return int(_get("UPLOAD_MAX_FILES", 20))


def upload_types() -> frozenset[str]:
    return frozenset(_get("UPLOAD_TYPES", DEFAULT_UPLOAD_TYPES))


def upload_rate() -> tuple[int, int]:
    """(sendings, per seconds) one person may make."""
    count, seconds = _get("UPLOAD_RATE", (20, 3600))
    return int(count), int(seconds)


def upload_quota() -> int | None:
    value = _get("UPLOAD_QUOTA", 5 * 1024 * MIB)
    return None if value is None else int(value)


def upload_notify() -> list[str] | None:
    value = _get("UPLOAD_NOTIFY", None)
    return None if value is None else list(value)


def upload_notify_file_names() -> bool:
    return bool(_get("UPLOAD_NOTIFY_FILE_NAMES", False))


def upload_trust_unscanned() -> bool:
    return bool(_get("UPLOAD_TRUST_UNSCANNED", False))


SERVE_METHODS = ("stream", "x-accel-redirect", "x-sendfile", "presigned")


def serve_method() -> str:
    return str(_get("SERVE_METHOD", "stream"))


def x_accel_locations() -> dict[str, str]:
    return dict(_get("X_ACCEL_LOCATIONS", {}))


def presigned_lifetime() -> int:
    """Short: a signed URL works for whoever holds it, and no check runs when it is used."""
    return int(_get("PRESIGNED_LIFETIME", 60))


def ksef_xml_max_bytes() -> int:
    return int(_get("KSEF_XML_MAX_BYTES", 3_000_000))


def audit_export_stream_rows() -> int:
    return int(_get("AUDIT_EXPORT_STREAM_ROWS", 50_000))


def audit_export_receipt_pdfs() -> int | None:
    """Receipt PDFs per audit ZIP (rendering one takes far longer than a CSV row)."""
    value = _get("AUDIT_EXPORT_RECEIPT_PDFS", 200)
    return None if value is None else max(0, int(value))


def audit_export_stream_file_bytes() -> int:
    return int(_get("AUDIT_EXPORT_STREAM_FILE_BYTES", 100 * 1024 * 1024))


def audit_export_keep_days() -> int | None:
    """Days a task-built audit ZIP is kept; by default the retention period of exports."""
    value = _get("AUDIT_EXPORT_KEEP_DAYS", retention_exports_days())
    return None if value is None else int(value)
