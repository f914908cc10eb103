"""The firm's side in the Wagtail admin (not named ``admin``: Django's autodiscovery would import it)."""
