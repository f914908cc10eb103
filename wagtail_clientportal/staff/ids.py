"""Ids from a request: whatever the browser sends, only real primary keys reach a query."""

MAX_PK = 2**63 - 1


def clean_ids(values) -> list[int]:
    """The values that are plain positive integers a database column can hold; the rest
    (``"abc"``, ``"²"``, 30-digit numbers) is dropped instead of raising in the query."""
    ids = []
    for value in values:
        text = str(value).strip()
        if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_PK:
            ids.append(int(text))
    return ids
