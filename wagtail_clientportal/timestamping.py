"""Talking to an RFC 3161 time-stamping authority (TSA), with ``rfc3161-client``.

The class is chosen by ``WAGTAILCLIENTPORTAL_TSA_CLIENT`` (a dotted path), so a host
can replace how the request is sent: Polish qualified TSAs, for one, want signed
requests or a login. A client has one method, ``timestamp(data) -> bytes``: it
asks for a token over SHA-256 of ``data`` and returns the TSA's DER answer as
received. The service checks that answer again (status, message imprint) before
it keeps it, whatever client produced it.
"""

from __future__ import annotations

import urllib.request

from . import conf


class TSAError(Exception):
    """The TSA could not be reached, or answered with something other than a token."""


class HttpTSAClient:
    """Plain RFC 3161 over HTTP (``application/timestamp-query``), with a nonce."""

    content_type = "application/timestamp-query"

    def __init__(self, url: str | None = None, timeout: float | None = None):
        self.url = url or conf.tsa_url()
        self.timeout = conf.tsa_timeout() if timeout is None else timeout

    def build_request(self, data: bytes):
        from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

        return (
            TimestampRequestBuilder()
            .data(data)
            .hash_algorithm(HashAlgorithm.SHA256)
            .nonce(nonce=True)
            .cert_request(cert_request=True)
            .build()
        )

    def post(self, body: bytes) -> bytes:
        """Send the DER request; return the DER answer. Override to sign or authenticate."""
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": self.content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.read(1024 * 1024)
        except OSError as exc:  # URLError, timeouts, refused connections
            raise TSAError(f"TSA unreachable: {exc}") from exc

    def timestamp(self, data: bytes) -> bytes:
        from rfc3161_client import decode_timestamp_response

        request = self.build_request(data)
        answer = self.post(request.as_bytes())
        try:
            response = decode_timestamp_response(answer)
        except ValueError as exc:
            raise TSAError(f"not a timestamp response: {exc}") from exc
        check_granted(response)
        if request.nonce is not None and response.tst_info.nonce != request.nonce:
            raise TSAError("the TSA answered another request (nonce mismatch)")
        return answer


def check_granted(response) -> None:
    from rfc3161_client import PKIStatus

    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        detail = "; ".join(response.status_string or []) or str(response.status)
        raise TSAError(f"the TSA refused: {detail}")
