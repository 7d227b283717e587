"""How long and how hard an article is to read, from its HTML body."""

import html
import math
import re
from functools import cache

from django.utils.html import strip_tags

# Where a block of text ends. A heading or list item has no full stop of its own,
# yet a reader (and a readability formula) takes it as a sentence.
BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote)\s*>|<br\s*/?>", re.IGNORECASE)
SENTENCE_END = (".", "!", "?")
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


@cache
def _textstat():
    """textstat, loaded on first use: its pronouncing dictionary takes a moment and
    only the admin and the tests need it, not the public pages."""
    import textstat

    return textstat
