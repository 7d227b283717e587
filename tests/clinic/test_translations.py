"""The Spanish catalogue is complete and current, and the Spanish pages leave no
English behind.

- Every entry of locale/es/LC_MESSAGES/django.po is translated and none is fuzzy, and
  that stays true after ``makemessages`` collects the strings from the code again (a
  new or changed English string without its Spanish fails here, in CI).
- The committed django.mo is the compiled django.po.
- The rendered Spanish pages contain no English text: neither a catalogue entry left
  untranslated nor a string nobody marked for translation.
"""

import gettext
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from appointments.models import OpeningHours
from education.models import EmergencyNotice
from tests.appointments.conftest import form_data, make_location
from tests.clients import BrowserClient
from tests.conftest import skip_or_fail
from tests.education.conftest import make_article, make_topic

PO = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# CI installs GNU gettext and sets this: the catalogue checks then never skip.
REQUIRE_GETTEXT = os.environ.get("REQUIRE_GETTEXT") == "1"
# What makemessages must not read: tools, dependencies, the tests themselves.
IGNORED = [".venv", "node_modules", "tests", "static", "staticfiles", "static_root", "media"]


def po_entries(path):
    """[(flags, msgid, [msgstr, ...])] of a .po file (any line wrapping)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        flags, fields, current = "", {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                fields[current] += unquote(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = unquote(value)
        if fields.get("msgid"):
            strings = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((flags, fields["msgid"], strings))
    return entries


def unquote(text):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), text.strip()[1:-1])


def problems(entries):
    return [
        ("fuzzy" if "fuzzy" in flags else "untranslated", msgid)
        for flags, msgid, strings in entries
        if "fuzzy" in flags or not all(s.strip() for s in strings)
    ]


def needs_gettext():
    if not shutil.which("xgettext") or not shutil.which("msgfmt"):
        skip_or_fail("needs GNU gettext: apt-get install -y gettext", REQUIRE_GETTEXT)


def test_every_entry_of_the_catalogue_is_translated_and_none_is_fuzzy():
    entries = po_entries(PO)

    assert len(entries) > 150
    assert problems(entries) == []


def test_makemessages_finds_nothing_left_to_translate(tmp_path, settings):
    """Collect the strings again into a copy of the catalogue, as a translator would:
    a new English string arrives empty, a changed one fuzzy; either fails.

    makemessages writes to the `locale` folder of the folder it runs in, whatever
    LOCALE_PATHS says: it runs in a stand-in of the project, the code linked in and
    the catalogue copied, so the checkout's own is never written."""
    needs_gettext()
    project = tmp_path / "project"
    project.mkdir()
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name != "locale":
            (project / entry.name).symlink_to(entry)
    copy = project / "locale" / "es" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copy(PO, copy / "django.po")
    settings.LOCALE_PATHS = [project / "locale"]

    cwd = os.getcwd()
    os.chdir(project)
    try:
        call_command("makemessages", locale=["es"], ignore_patterns=IGNORED, symlinks=True,
                     no_wrap=True, no_location=True, verbosity=0)  # fmt: skip
    finally:
        os.chdir(cwd)

    found = problems(po_entries(copy / "django.po"))
    assert found == [], (
        "Spanish missing for these strings. Run `make messages`, translate them in "
        "locale/es/LC_MESSAGES/django.po, then `make compile-messages`:\n"
        + "\n".join(f"  {kind}: {msgid}" for kind, msgid in found)
    )


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    needs_gettext()
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", fresh, PO], check=True)

    def catalog(path):
        with path.open("rb") as file:
            return gettext.GNUTranslations(file)._catalog

    assert catalog(MO) == catalog(fresh), "run `make compile-messages` and commit django.mo"


# The rendered Spanish pages.


class TextCollector(HTMLParser):
    """The text a patient reads or hears: text nodes and the attributes read aloud or
    shown (aria-label, placeholder, title, alt, meta description), minus scripts."""

    SPOKEN = {"aria-label", "placeholder", "title", "alt"}

    def __init__(self):
        super().__init__()
        self.texts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "style"}:
            self._skip += 1
        self.texts += [value for name, value in attrs.items() if name in self.SPOKEN and value]
        if tag == "meta" and attrs.get("name") == "description":
            self.texts.append(attrs.get("content") or "")

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def page_texts(html):
    collector = TextCollector()
    collector.feed(html)
    return collector.texts


@pytest.fixture
def site(db):
    location = make_location()
    OpeningHours.objects.create(location=location, weekday=0, opens="08:00", closes="17:00")
    make_location("northgate", "Northgate", order=2)
    topic = make_topic("Facet joints", description="Small joints of the spine.")
    article = make_article("Facet joints explained", topics=[topic])
    make_article("Radiofrequency ablation", topics=[topic])
    return {"article": article, "topic": topic, "location": location}


def spanish_pages(client, site):
    """Every kind of patient page in Spanish, rendered."""
    pages = {
        path: client.get(path)
        for path in (
            "/es/",
            "/es/articles/",
            "/es/articles/?q=facet",
            "/es/articles/?q=qqqzzzxx",
            "/es" + site["topic"].get_absolute_url(),
            "/es" + site["article"].get_absolute_url(),
            "/es/locations/",
            "/es/appointments/request/",
            "/es/no-existe/",
        )
    }
    pages["form with errors"] = client.post(
        "/es/appointments/request/",
        form_data(
            first_name="",
            phone="12",
            email="x@",
            preferred_contact="email",
            date_of_birth="2999-01-01",
            consent=None,
        ),
    )
    valid = form_data(location=site["location"].pk)
    pages["received"] = client.post("/es/appointments/request/", valid, follow=True)
    assert pages["received"].redirect_chain, "the request was not accepted"
    return pages


def data_texts(site):
    """What the clinic typed (names, addresses, article text): shown as entered."""
    from appointments.models import Location
    from education.models import Article, Clinician, Topic

    texts = [settings.CLINIC_NAME, settings.CLINIC_PHONE]
    # And what the patient typed, kept in the form beside its errors.
    texts += [value for value in form_data().values() if isinstance(value, str) and len(value) > 3]
    for location in Location.objects.all():
        texts += [location.name, location.phone, *location.address_lines, *location.hours_lines]
    for article in Article.objects.all():
        texts += [article.title, article.summary, article.body]
    for topic in Topic.objects.all():
        texts += [topic.name, topic.description]
    texts += [str(c.display_name) for c in Clinician.objects.all()]
    # The emergency notice's Spanish is the articles' work (issue 15, part 3).
    notice = EmergencyNotice.current()
    texts += [notice["heading"], *notice["paragraphs"], notice["link_text"]]
    return [t for t in texts if t]


def without_data(text, data):
    """The text with what the clinic or the patient typed taken out of it."""
    if any(text in item for item in data):
        return ""
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    return text.strip(" .,:;·()")


ENGLISH_WORDS = re.compile(
    r"\b(the|and|your|you|we|our|with|for|please|this|that|to|of|is|are|not|call|request|"
    r"appointment|page|search|articles?|here|what|when|how)\b",
    re.IGNORECASE,
)


@pytest.mark.django_db
def test_no_english_is_left_on_the_spanish_pages(site):
    client = BrowserClient()
    data = data_texts(site)
    translated = [
        (msgid, strings)
        for _, msgid, strings in po_entries(PO)
        if strings and strings[0] != msgid and "en_US" not in msgid
    ]
    found = []
    for label, response in spanish_pages(client, site).items():
        assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}, label
        html = response.content.decode()
        assert '<html lang="es">' in html, label
        texts = [t for t in (without_data(t, data) for t in page_texts(html)) if t]
        text = "\n".join(texts)
        assert "Pedir cita" in text, label
        # 1. Catalogue entries whose English shows (a fragment of 2+ words of any msgid).
        for msgid, _ in translated:
            for fragment in re.split(r"%\(\w+\)s|<[^>]+>|&nbsp;", msgid):
                fragment = fragment.strip(" .,:;?!“”")
                if fragment.count(" ") >= 1 and fragment in text:
                    found.append(f"{label}: untranslated “{fragment}”")
        # 2. English nobody marked for translation: any text with English words in it.
        found += [f"{label}: not marked “{t}”" for t in texts if ENGLISH_WORDS.search(t)]
    assert found == [], "\n".join(sorted(set(found)))


@pytest.mark.django_db
def test_the_spanish_error_pages_made_without_a_request_are_in_spanish():
    from clinic.middleware import database_unavailable_response, error_response

    pages = {
        status: error_response(f"{status}.html", status, "/es/appointments/request/")
        for status in (400, 403, 404, 413, 415, 500)
    }
    pages[503] = database_unavailable_response("/es/")

    for status, response in pages.items():
        html = response.content.decode()
        assert '<html lang="es">' in html, status
        texts = page_texts(html)
        english = [t for t in texts if ENGLISH_WORDS.search(t) and settings.CLINIC_NAME not in t]
        assert english == [], (status, english)
