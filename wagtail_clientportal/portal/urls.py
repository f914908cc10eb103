"""Mount with ``path("portal/", include("wagtail_clientportal.portal.urls"))``.

URL names (namespace ``wagtail_clientportal``): ``login`` (the portal's root), ``login_code``,
``logout``, ``choose``, ``activate``, ``setup``, ``setup_verify``, ``password_reset``,
``password_reset_confirm``, ``account``, ``password_change``, ``account_totp``,
``account_notifications``, ``backup_codes``, ``logout_everywhere``, ``passkey_add``,
``passkey_remove`` and the JSON endpoints of the passkey ceremonies (POST only):
``passkey_login_begin``, ``passkey_login_complete``, ``passkey_register_begin``,
``passkey_register_complete``; ``portal``, ``section`` (``documents`` or ``invoices``),
``item``, ``confirm_receipt`` (POST only), ``receipt`` (``pdf`` or ``json``) and
``download`` (``?inline=1`` to open PDFs and images in place), ``zip`` (POST only:
``section=…`` or ``share=…&share=…``), ``upload`` (the client's files to the firm) and
``upload_receipt``
(``pdf`` or ``json``).
Every page of a portal checks DESIGN rule 9 against the database on each request, and
every URL under the include (unknown ones too) goes through ``guard.portal_view``: session
lifetime, never-cache, frame and Content-Security-Policy headers.
"""

from django.urls import path, re_path

from .. import converters  # noqa: F401  (registers cp_id)
from .guard import not_found, portal_view
from .views import (
    account,
    activation,
    downloads,
    login,
    pages,
    passkeys,
    password_reset,
    preferences,
    receipts,
    uploads,
    zip,
)

app_name = "wagtail_clientportal"


urlpatterns = [
    path("", login.LoginView.as_view(), name="login"),
    path("login/code/", login.CodeView.as_view(), name="login_code"),
    path("login/passkey/begin/", passkeys.LoginBeginView.as_view(), name="passkey_login_begin"),
    path(
        "login/passkey/complete/",
        passkeys.LoginCompleteView.as_view(),
        name="passkey_login_complete",
    ),
    path("logout/", login.LogoutView.as_view(), name="logout"),
    path("choose/", login.ChooseView.as_view(), name="choose"),
    path("activate/<uidb64>/<token>/", activation.ActivateView.as_view(), name="activate"),
    path("setup/", activation.SetupView.as_view(), name="setup"),
    path("setup/verify/", activation.SetupVerifyView.as_view(), name="setup_verify"),
    path("password-reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/<uidb64>/<token>/",
        password_reset.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("account/", account.AccountView.as_view(), name="account"),
    path("account/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("account/authenticator/", account.TotpSetupView.as_view(), name="account_totp"),
    path("account/backup-codes/", account.BackupCodesView.as_view(), name="backup_codes"),
    path("account/passkeys/add/", passkeys.PasskeyAddView.as_view(), name="passkey_add"),
    path(
        "account/passkeys/begin/",
        passkeys.RegisterBeginView.as_view(),
        name="passkey_register_begin",
    ),
    path(
        "account/passkeys/complete/",
        passkeys.RegisterCompleteView.as_view(),
        name="passkey_register_complete",
    ),
    path(
        "account/passkeys/<cp_id:passkey_id>/remove/",
        passkeys.PasskeyRemoveView.as_view(),
        name="passkey_remove",
    ),
    path(
        "account/notifications/",
        preferences.NotificationPreferenceView.as_view(),
        name="account_notifications",
    ),
    path(
        "account/logout-everywhere/",
        account.LogoutEverywhereView.as_view(),
        name="logout_everywhere",
    ),
    path("p/<cp_id:portal_id>/", pages.PortalHomeView.as_view(), name="portal"),
    # Before "section": "zip" and "send" would otherwise be taken for a section's name.
    path("p/<cp_id:portal_id>/zip/", zip.ZipDownloadView.as_view(), name="zip"),
    path("p/<cp_id:portal_id>/send/", uploads.UploadView.as_view(), name="upload"),
    path("p/<cp_id:portal_id>/<slug:section>/", pages.SectionView.as_view(), name="section"),
    path("p/<cp_id:portal_id>/item/<cp_id:share_id>/", pages.ItemView.as_view(), name="item"),
    path(
        "p/<cp_id:portal_id>/file/<cp_id:share_id>/",
        downloads.DownloadView.as_view(),
        name="download",
    ),
    path(
        "p/<cp_id:portal_id>/item/<cp_id:share_id>/confirm/",
        receipts.ConfirmReceiptView.as_view(),
        name="confirm_receipt",
    ),
    path(
        "p/<cp_id:portal_id>/item/<cp_id:share_id>/receipt/<str:fmt>/",
        receipts.ReceiptView.as_view(),
        name="receipt",
    ),
    path(
        "p/<cp_id:portal_id>/sent/<cp_id:upload_id>/receipt/<str:fmt>/",
        uploads.UploadReceiptView.as_view(),
        name="upload_receipt",
    ),
]

# Anything else under the portal still gets the portal's headers (a 404).
urlpatterns.append(re_path(r"^(?P<rest>.*)$", not_found, name="not_found"))

for _pattern in urlpatterns:
    _pattern.callback = portal_view(_pattern.callback)
    if _pattern.name == "upload":
        _pattern.callback = uploads.limit_body(_pattern.callback)
