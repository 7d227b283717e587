"""How long and how hard an article is to read, from its HTML body.

English is measured with the Flesch-Kincaid grade (aim for 8 or lower), Spanish
with the Fernández-Huerta index, the Spanish adaptation of Flesch's reading ease
(0 to 100, higher is easier; 60 to 70 is "normal", about what an American eighth
grader reads, so aim for 60 or higher).
"""

import html
import math
import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.html import strip_tags

# Where a block of text ends. A heading or list item has no full stop of its own,
# yet a reader (and a readability formula) takes it as a sentence.
BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote)\s*>|<br\s*/?>", re.IGNORECASE)
SENTENCE_END = (".", "!", "?")
# Fernández-Huerta at or above this reads like English at grade 8 or lower.
SPANISH_TARGET_EASE = 60
# Patient-education pages are read slowly and carefully, often on a phone.
WORDS_PER_MINUTE = 200


def plain_text(body_html):
    """The body as plain sentences: every block ends with a full stop."""
    text = html.unescape(strip_tags(BLOCK_END.sub("\n", body_html or "")))
    sentences = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if line.endswith((":", ";", ",")):
            line = line[:-1]
        if not line.endswith(SENTENCE_END):
            line += "."
        sentences.append(line)
    return " ".join(sentences)


def word_count(text):
    return len(text.split())


def reading_minutes(words):
    """Whole minutes, at least one."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def grade_level(text):
    """Flesch-Kincaid grade of plain text, or None when there is nothing to measure."""
    if not text.strip():
        return None
    return _textstat().flesch_kincaid_grade(text)


def fernandez_huerta(text):
    """Fernández-Huerta index of plain Spanish text, or None when there is nothing to
    measure."""
    if not text.strip():
        return None
    return _spanish_textstat().fernandez_huerta(text)


@dataclass(frozen=True)
class Measure:
    """A reading measure: its name, the score of a text, the target, and which way
    is easier (``lower_is_easier``: a grade; otherwise an ease index)."""

    name: str
    score: float | None
    target: float
    lower_is_easier: bool

    @property
    def misses_target(self):
        if self.score is None:
            return False
        if self.lower_is_easier:
            return self.score > self.target
        return self.score < self.target


def measure(text, language="en"):
    """The reading measure of ``text`` in its ``language``: Fernández-Huerta for
    Spanish, the Flesch-Kincaid grade otherwise."""
    if language == "es":
        return Measure("Fernández-Huerta", fernandez_huerta(text), SPANISH_TARGET_EASE, False)
    return Measure(
        "Flesch-Kincaid grade", grade_level(text), settings.READABILITY_TARGET_GRADE, True
    )


@cache
def _textstat():
    """textstat, loaded on first use: its pronouncing dictionary takes a moment and
    only the admin and the tests need it, not the public pages."""
    import textstat

    return textstat


@cache
def _spanish_textstat():
    """A textstat of its own set to Spanish: textstat's module-level functions share
    one language setting, which must stay English for everything else."""
    from textstat.textstat import textstatistics

    spanish = textstatistics()
    spanish.set_lang("es")
    return spanish
