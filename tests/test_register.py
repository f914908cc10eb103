"""The client is addressed as a law firm would: formally or neutrally, never with "Ty".

A word list over every Polish string the package ships (the compiled catalogue) and
over the email templates' own text.
"""

import re
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parent.parent / "wagtail_clientportal"
CATALOGUE = PACKAGE / "locale/pl/LC_MESSAGES/django.mo"
EMAILS = PACKAGE / "templates/wagtail_clientportal/email"

# Second-person singular pronouns and verb forms, and the informal imperatives the
# review found in client-facing sentences. ("Ci" alone is also the plural "these",
# as in "Ci użytkownicy PK", so it is caught only after a verb of giving.)
INFORMAL = re.compile(
    r"\b(?:Ty|Cię|Ciebie|Tobie|Tobą|Twój|Twoja|Twoje|Twojego|Twojej|Twoim|Twoich|Twoją"
    r"|masz|możesz|chcesz|pamiętasz|uważasz|jesteś|potwierdzasz|próbujesz|wpiszesz"
    r"|poprosisz|przypiszesz|zalogujesz|otrzymasz"
    r"|Sprawdź|Odczekaj|Spróbuj|Poproś|Zignoruj|Przechowuj|Zeskanuj|Skontaktuj)\b"
    r"|\b(?:udostępni\w*|wysła\w*|przesła\w*) Ci\b",
    re.IGNORECASE,
)


def _informal(text: str) -> list[str]:
    return [m.group(0) for m in INFORMAL.finditer(text)]


def test_the_catalogue_never_addresses_the_client_informally():
    found = {}
    for entry in polib.mofile(str(CATALOGUE)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if hits := _informal(text):
                found[entry.msgid] = hits
    assert found == {}


def test_email_templates_carry_no_informal_text_of_their_own():
    for template in EMAILS.iterdir():
        assert _informal(template.read_text(encoding="utf-8")) == [], template.name


def test_the_word_list_catches_what_the_review_found():
    for sentence in (
        "%(firm)s udostępnia Ci dokumenty",
        "Twój kod logowania",
        "Wylogowano Cię.",
        "Nie pamiętasz hasła?",
        "Jeśli to nie Ty próbujesz się zalogować",
    ):
        assert _informal(sentence), sentence
    assert _informal("Ci użytkownicy PK zachowają dostęp") == []
