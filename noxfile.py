"""The supported-versions matrix: every (Python, Django) pair Wagtail 8 supports.

``make matrix`` (or ``nox``) runs the non-browser suite on SQLite in a fresh virtualenv
per pair; ``nox -s "tests(python='3.10', django='5.2')"`` runs one, ``nox -l`` lists them.
``make test`` stays the everyday command (the newest pair, with the browser suite).

Django 6.0 and 6.1 need Python 3.12+; Django 5.2 LTS runs on 3.10 to 3.13.
"""

from __future__ import annotations

import os
import pathlib
import subprocess

import nox

DJANGOS = {
    "5.2": ("3.10", "3.11", "3.12", "3.13"),
    "6.0": ("3.12", "3.13"),
    "6.1": ("3.12", "3.13"),
}
MATRIX = [(python, django) for django, pythons in DJANGOS.items() for python in pythons]
#: What CI runs: the oldest and the newest pair (``CLIENTPORTAL_MATRIX=ci``).
ENDS = [MATRIX[0], MATRIX[-1]]

nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = True


def _pyenv_on_path() -> None:
    """Let nox find pyenv's interpreters without a ``pyenv global`` listing them all.

    pyenv's shims answer only for the versions selected (``.python-version``), so the
    ``bin`` folder of each installed version goes on ``PATH`` before them.
    """
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return
    versions = sorted(pathlib.Path(root.stdout.strip(), "versions").glob("3.*/bin"))
    os.environ["PATH"] = os.pathsep.join([*map(str, versions), os.environ.get("PATH", "")])


_pyenv_on_path()


def _selected():
    return ENDS if os.environ.get("CLIENTPORTAL_MATRIX") == "ci" else MATRIX


@nox.session
@nox.parametrize("python,django", _selected())
def tests(session: nox.Session, django: str) -> None:
    """The suite without the browser tests, on SQLite, against the newest ``django`` x.y."""
    session.install("-e", ".[test]", f"Django~={django}.0")
    session.run("python", "-m", "django", "--version")
    session.run(
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--ignore=tests/e2e",
        *session.posargs,
        env={"DATABASE_URL": f"sqlite:///{pathlib.Path('tests/test.sqlite3').resolve()}"},
    )
