"""PAdES signatures of receipt PDFs with the firm's certificate (optional, off by default).

``WAGTAILCLIENTPORTAL_RECEIPT_SIGNING`` names the key and certificate; the signer
class (``WAGTAILCLIENTPORTAL_RECEIPT_SIGNER``) turns them into a signature. The
default, ``PadesSigner``, uses pyHanko (the ``[signing]`` extra: maintained, pure
Python on top of ``cryptography``, writes PAdES baseline signatures as an
incremental update, so the receipt's text stays as it was) with a key in a file. A
host whose key sits in an HSM, or that uses a remote qualified signing service,
plugs in its own class with the same two methods.

What the signature proves, and what it does not: README, "Proof of delivery".
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .. import conf

logger = logging.getLogger(__name__)

FIELD_NAME = "Kancelaria"


class ReceiptSigner:
    """What the receipt views need from a signer; ``options`` is the setting's dict."""

    def __init__(self, options: dict):
        self.options = options

    def problems(self) -> list[str]:
        """Why this signer could not sign (for the system check); empty when it can."""
        return []

    def sign(self, pdf: bytes) -> bytes:
        raise NotImplementedError


class PadesSigner(ReceiptSigner):
    """PAdES B-B (``ETSI.CAdES.detached``, SHA-256) with a PEM/DER key and certificate."""

    def _material(self):
        try:
            from pyhanko.keys import (
                load_cert_from_pemder,
                load_certs_from_pemder,
                load_private_key_from_pemder,
            )
        except ImportError as error:
            raise ImproperlyConfigured(
                "pyHanko is not installed: pip install 'wagtail-clientportal[signing]'"
            ) from error
        for name in ("key", "cert"):
            if not self.options.get(name):
                raise ImproperlyConfigured(f"{name!r} is missing")
            path = Path(self.options[name])
            if not path.is_file():
                raise ImproperlyConfigured(f"{name!r}: {path} is not a readable file")
        passphrase = self.options.get("passphrase")
        if isinstance(passphrase, str):
            passphrase = passphrase.encode()
        try:
            key = load_private_key_from_pemder(self.options["key"], passphrase=passphrase)
        except (OSError, ValueError, TypeError) as error:
            raise ImproperlyConfigured(f"'key' cannot be read: {error}") from error
        try:
            cert = load_cert_from_pemder(self.options["cert"])
            chain = list(load_certs_from_pemder(self.options.get("chain") or ()))
        except (OSError, ValueError, TypeError) as error:
            raise ImproperlyConfigured(f"a certificate cannot be read: {error}") from error
        if _public_key_der(self.options["key"], passphrase) != cert.public_key.dump():
            raise ImproperlyConfigured("'key' is not the key of 'cert'")
        return key, cert, chain

    def problems(self) -> list[str]:
        try:
            self._material()
        except ImproperlyConfigured as error:
            return [str(error)]
        return []

    def sign(self, pdf: bytes) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key, cert, chain = self._material()
        signer = signers.SimpleSigner(
            signing_cert=cert,
            signing_key=key,
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=self.options.get("reason") or conf.firm_name(),
            location=self.options.get("location") or None,
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return signers.sign_pdf(writer, metadata, signer=signer).getvalue()


def _public_key_der(path, passphrase: bytes | None) -> bytes:
    from cryptography.hazmat.primitives import serialization

    data = Path(path).read_bytes()
    load = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    return (
        load(data, password=passphrase)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def signer() -> ReceiptSigner | None:
    """The configured signer, or ``None`` when receipts are not signed."""
    options = conf.receipt_signing()
    if not options:
        return None
    if not isinstance(options, dict):
        raise ImproperlyConfigured("WAGTAILCLIENTPORTAL_RECEIPT_SIGNING must be a dict")
    try:
        cls = import_string(conf.receipt_signer())
    except ImportError as error:
        raise ImproperlyConfigured(f"WAGTAILCLIENTPORTAL_RECEIPT_SIGNER: {error}") from error
    return cls(options)


def sign(pdf: bytes) -> bytes:
    """The receipt signed when signing is configured, else as it is.

    A signer that fails at run time (key file gone, HSM down) is logged as an error and
    the receipt goes out unsigned: its content and digest stand on their own, a viewer
    shows that it carries no signature, and the system check names the cause.
    """
    try:
        current = signer()
        if current is None:
            return pdf
        return current.sign(pdf)
    except Exception:
        logger.exception("Could not sign a receipt PDF; sent unsigned")
        return pdf
