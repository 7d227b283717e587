"""Search as patients type it: phrases ("facet injection didn't work"), not keywords.

An article matching any of the words counts, and more words, and words in the title,
rank it higher. PostgreSQL ranks full-text matches ("injections" finds "injection");
other databases count plain substring matches.
"""

import re
from functools import reduce
from operator import or_

from django.db import connections
from django.db.models import Case, When

# Words that say nothing about what a patient is looking for.
STOP_WORDS_TEXT = """
    a an and are as at be but by can could did didn do does doesn don for from had has have
    how i if in is isn it its me my no not of on or so than that the them then there they
    this to was wasn what when where which who why will with won would you your
"""
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())


def search_words(text, limit=8):
    """The words of a search worth matching: lower case, no punctuation or stop words,
    a plain plural "s" dropped ("facets" finds "facet"), at most ``limit`` of them."""
    words = []
    for word in re.findall(r"[a-z0-9]+", text.lower().replace("'", "")):
        if word.endswith("nt") and word[:-1] in STOP_WORDS | {"didn", "doesn", "isn"}:
            continue  # "didnt", "doesnt" typed without the apostrophe
        if word in STOP_WORDS or len(word) < 3:
            continue
        if word.endswith("s") and not word.endswith("ss") and len(word) > 4:
            word = word[:-1]
        if word not in words:
            words.append(word)
    return words[:limit]


def matching(articles, terms):
    """``articles`` matching ``terms``, best match first; all of them for no terms."""
    words = search_words(terms)
    if not words:
        return articles if not terms.strip() else articles.none()
    if connections[articles.db].vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("body", weight="C", config="english")
        )
        query = reduce(or_, (SearchQuery(word, config="english") for word in words))
        return (
            articles.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "-publish_at")
        )
    score = sum(
        Case(When(**{f"{field}__icontains": word}, then=weight), default=0)
        for word in words
        for field, weight in (("title", 4), ("summary", 2), ("body", 1))
    )
    return articles.annotate(rank=score).filter(rank__gt=0).order_by("-rank", "-publish_at")
