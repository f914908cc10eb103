"""The portal's download stream as it was before delivery records (verbatim): a plain
generator of 64 KiB chunks, nothing hashed or recorded. The baseline of the download
benches; no Django import, so a gunicorn worker can load it too."""


def previous_iter(handle, start, length):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(64 * 1024, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def install() -> None:
    """Serve portal downloads with the previous stream (in the process that calls it)."""
    from wagtail_clientportal.portal.views import downloads

    downloads._iter = lambda handle, start, length, tracker=None: previous_iter(
        handle, start, length
    )
