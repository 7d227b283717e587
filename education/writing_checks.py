"""What the article editor tells a clinician while they write: the reading grade
against the target, long sentences, medical words with a plainer alternative
(education/plain_words.toml), pictures without a description and skipped heading
levels. Advice only: an article above the target can still be published."""

import re
import tomllib
from functools import cache
from pathlib import Path

from django.conf import settings

from education import readability
from education.images import MARKER, Image

GLOSSARY_FILE = Path(__file__).resolve().parent / "plain_words.toml"
HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
# The article's title is the page's only level-1 heading.
FIRST_BODY_HEADING_LEVEL = 2
# Enough of a long sentence for the clinician to find it.
QUOTE_WORDS = 12


@cache
def glossary():
    """[(term, plainer, pattern)], longest terms first so "radiofrequency ablation"
    is matched before any shorter word inside it."""
    words = tomllib.loads(GLOSSARY_FILE.read_text(encoding="utf-8"))["word"]
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


def plainer_words(text):
    found, taken = [], []
    for term, plainer, pattern in glossary():
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


def check(body_html):
    """Everything the panel shows, as plain data (the admin returns it as JSON)."""
    text = readability.plain_text(body_html)
    grade = readability.grade_level(text)
    words = readability.word_count(text)
    target = settings.READABILITY_TARGET_GRADE
    return {
        "words": words,
        "minutes": readability.reading_minutes(words) if words else 0,
        "grade": round(grade, 1) if grade is not None else None,
        "target": target,
        "above_target": grade is not None and grade > target,
        "long_sentence_words": settings.READABILITY_LONG_SENTENCE_WORDS,
        "long_sentences": long_sentences(text, settings.READABILITY_LONG_SENTENCE_WORDS),
        "plainer_words": plainer_words(text),
        "headings": heading_problems(body_html),
        "pictures": picture_problems(body_html),
    }
