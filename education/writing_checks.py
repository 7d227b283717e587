"""What the article editor tells a clinician while they write: the reading grade
against the target, long sentences, medical words with a plainer alternative
(education/plain_words.toml), pictures without a description and skipped heading
levels. Advice only: an article above the target can still be published.

A Spanish article is measured with the Fernández-Huerta index against its own
target (education.readability) and checked against a short Spanish glossary
(plain_words_es.toml); the English glossary is much longer. The panel sends only the
body, so its language is told from the text itself (spanish_or_english).
"""

import re
import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings

from education import readability
from education.images import MARKER, Image

GLOSSARY_FILE = Path(__file__).resolve().parent / "plain_words.toml"
GLOSSARY_FILES = {"en": GLOSSARY_FILE, "es": GLOSSARY_FILE.with_name("plain_words_es.toml")}
# Short words that are common in one language and rare in the other.
MARKERS_TEXT = {
    "es": "el la los las de del que y en un una es por para con su se no",
    "en": "the of and to in is you your for with it that are this",
}
SPANISH_MARKERS, ENGLISH_MARKERS = (frozenset(MARKERS_TEXT[code].split()) for code in ("es", "en"))
HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
# The article's title is the page's only level-1 heading.
FIRST_BODY_HEADING_LEVEL = 2
# Enough of a long sentence for the clinician to find it.
QUOTE_WORDS = 12


def spanish_or_english(text):
    """ "es" if ``text`` reads as Spanish, else "en": which language's common short
    words it uses more."""
    words = re.findall(r"\w+", text.lower())
    spanish = sum(word in SPANISH_MARKERS for word in words)
    english = sum(word in ENGLISH_MARKERS for word in words)
    return "es" if spanish > english else "en"


@cache
def glossary(language="en"):
    """[(term, plainer, pattern)], longest terms first so "radiofrequency ablation"
    is matched before any shorter word inside it."""
    path = GLOSSARY_FILES.get(language)
    if path is None:
        return []
    words = tomllib.loads(path.read_text(encoding="utf-8"))["word"]
    words.sort(key=lambda word: -len(word["term"]))
    return [
        (
            word["term"],
            word["plainer"],
            re.compile(rf"(?<![\w-]){re.escape(word['term'])}(?![\w-])", re.IGNORECASE),
        )
        for word in words
    ]


def long_sentences(text, limit):
    found = []
    for sentence in SENTENCE_BREAK.split(text):
        words = sentence.split()
        if len(words) > limit:
            start = " ".join(words[:QUOTE_WORDS])
            found.append({"words": len(words), "start": f"{start}…"})
    return found


def plainer_words(text, language="en"):
    found, taken = [], []
    for term, plainer, pattern in glossary(language):
        spans = [
            match.span()
            for match in pattern.finditer(text)
            if not any(start <= match.start() < end for start, end in taken)
        ]
        if spans:
            taken.extend(spans)
            found.append({"term": term, "plainer": plainer, "count": len(spans)})
    return found


def heading_problems(body_html):
    problems, previous = [], FIRST_BODY_HEADING_LEVEL - 1
    for level, inner in HEADING.findall(body_html or ""):
        level = int(level)
        title = " ".join(re.sub(r"<[^>]+>", "", inner).split())
        if level > previous + 1:
            problems.append(
                f'The heading "{title}" is level {level} but follows level {previous}: '
                f"use level {previous + 1}, so screen-reader users do not think a part "
                "is missing."
            )
        previous = level
    return problems


def picture_problems(body_html):
    ids = [int(number) for number in MARKER.findall(body_html or "")]
    if not ids:
        return []
    images = {image.pk: image for image in Image.objects.filter(pk__in=ids)}
    problems = []
    for image_id in ids:
        image = images.get(image_id)
        if image is None:
            problems.append(
                f"[image {image_id}] is not in the image library: it will not be shown."
            )
        elif image.decorative or not image.alt.strip():
            problems.append(
                f"[image {image_id}] has no description (alt text), so people who cannot "
                "see it miss it. A picture in the text usually tells something: describe "
                "it in the image library."
            )
    return problems


def check(body_html, language=None):
    """Everything the panel shows, as plain data (the admin returns it as JSON).
    ``language``: the article's, else told from the text. ``grade`` is the score of
    the language's measure (``measure``), ``above_target`` whether it is harder to
    read than the target."""
    text = readability.plain_text(body_html)
    language = language or spanish_or_english(text)
    measure = readability.measure(text, language)
    words = readability.word_count(text)
    return {
        "words": words,
        "minutes": readability.reading_minutes(words) if words else 0,
        "language": language,
        "measure": measure.name,
        "easier": "lower" if measure.lower_is_easier else "higher",
        "grade": round(measure.score, 1) if measure.score is not None else None,
        "target": measure.target,
        "above_target": measure.misses_target,
        "long_sentence_words": settings.READABILITY_LONG_SENTENCE_WORDS,
        "long_sentences": long_sentences(text, settings.READABILITY_LONG_SENTENCE_WORDS),
        "plainer_words": plainer_words(text, language),
        "headings": heading_problems(body_html),
        "pictures": picture_problems(body_html),
    }
