"""The private storage for files that must never have a public URL."""

from django.core.files.storage import FileSystemStorage, Storage, storages
from django.core.files.storage.handler import InvalidStorageError

from . import conf


class PrivateFileSystemStorage(FileSystemStorage):
    """Local files with no URL at all: a stray ``.url`` fails loudly instead of leaking."""

    def url(self, name):
        raise NotImplementedError("Private files are served only through permission-checked views.")


def get_private_storage() -> Storage:
    """Used as a callable ``storage=`` so migrations do not freeze a path or alias."""
    try:
        return storages[conf.storage_alias()]
    except InvalidStorageError:
        return PrivateFileSystemStorage(location=conf.private_root())
