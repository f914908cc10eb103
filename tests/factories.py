"""The suite's factories: the package's own, shipped for host projects in ``test_utils``."""

from wagtail_clientportal.test_utils import (  # noqa: F401
    ClientFactory,
    DocumentFactory,
    InvoiceFactory,
    PortalFactory,
    PortalUserFactory,
    SettlementFactory,
    UserFactory,
)
