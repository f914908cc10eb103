"""The firm's side in the Wagtail admin.

Not named ``admin``: Django's autodiscovery would import it.
"""
