"""An article's sources as data a reviewer can check (issue 30).

Article.sources stays plain text, one source per line, in one of two forms:

- a guideline or journal article, ending with its year:
  ``NICE. Low back pain and sciatica in over 16s (NG59). 2016, updated 2020.``
- a web page, with its address and the date someone read it:
  ``NHS. Sciatica. https://www.nhs.uk/conditions/sciatica/ (read 2026-12-07).``

A web page changes without notice, so its read date matters: the review panel flags
a page read more than two years before today (the clinic's date). A page whose address
is known but that nobody has read yet says so, ``(not yet read).``, and the panel
flags it until a reviewer reads it and writes the date.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

STALE_AFTER_YEARS = 2

WEB = re.compile(r"\b(?P<url>https?://\S+?) \(read (?P<read>\d{4}-\d{2}-\d{2})\)\.$")
NOT_YET_READ = re.compile(r"\b(?P<url>https?://\S+?) \(not yet read\)\.$")
ADDRESS = re.compile(r"https?://|www\.", re.IGNORECASE)
YEAR = re.compile(r"\b(?P<year>(19|20)\d\d)\.$")
FORMS = (
    "Give each source as a guideline or article ending with its year "
    '("NICE. Low back pain and sciatica (NG59). 2020."), or as a web page with its '
    'address and the date you read it ("NHS. Sciatica. https://www.nhs.uk/conditions/'
    'sciatica/ (read 2026-12-07).").'
)


@dataclass(frozen=True)
class Source:
    text: str
    year: int | None = None
    url: str = ""
    read_on: date | None = None
    problem: str = ""

    @property
    def is_web_page(self):
        return bool(self.url)

    @property
    def not_yet_read(self):
        return self.is_web_page and self.read_on is None and not self.problem


def parse_source(line):
    """One line of Article.sources as a Source; ``problem`` says what is missing."""
    text = line.strip()
    web = WEB.search(text)
    if web:
        try:
            read_on = date.fromisoformat(web["read"])
        except ValueError:
            return Source(text, url=web["url"], problem=f"“{web['read']}” is not a date.")
        if read_on > timezone.localdate():
            return Source(text, url=web["url"], problem="The date it was read is in the future.")
        return Source(text, url=web["url"], read_on=read_on)
    if unread := NOT_YET_READ.search(text):
        return Source(text, url=unread["url"])
    if ADDRESS.search(text):
        return Source(text, problem="A web page needs the date it was read: “(read YYYY-MM-DD).”")
    year = YEAR.search(text)
    if year:
        return Source(text, year=int(year["year"]))
    return Source(text, problem="No year and no web address.")


def parse_sources(text):
    return [parse_source(line) for line in (text or "").splitlines() if line.strip()]


def years_before(day, years):
    """The same date ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def stale_web_pages(text, today=None):
    """The web pages among these sources read more than two years before ``today``
    (the clinic's date by default)."""
    today = today or timezone.localdate()
    limit = years_before(today, STALE_AFTER_YEARS)
    return [
        source
        for source in parse_sources(text)
        if source.is_web_page and source.read_on and source.read_on < limit
    ]


def validate_sources(text):
    """Each line a guideline or article with its year, or a web page with its read date."""
    problems = [
        f"{source.text} — {source.problem}" for source in parse_sources(text) if source.problem
    ]
    if problems:
        raise ValidationError([*problems, FORMS])
