"""The private storage for files that must never have a public URL."""

from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.storage.handler import InvalidStorageError

from . import conf


def get_private_storage() -> Storage:
    """Used as a callable ``storage=`` so migrations do not freeze a path or alias."""
    try:
        return storages[conf.storage_alias()]
    except InvalidStorageError:
        # base_url=None: a stray .url() call fails instead of inventing a public link.
        return FileSystemStorage(location=conf.private_root(), base_url=None)
