"""Search as patients type it (issue 14): ranking what education.search_terms understood.

How results are ranked (``matching``), like websearch_to_tsquery but with OR between
the concepts:

1. articles matching all the concepts first, then those matching most, then any. A
   concept more than half the published articles use ("pain" and "back" in a pain
   clinic's library) cannot tell them apart, so it does not count here;
2. then by relevance: for each concept, ts_rank_cd with the title (weight A) above
   the summary (B) above the body (C), levelled off so that many mentions in a long
   body do not beat one in the title, and weighted by how rare the concept is among
   the articles (inverse document frequency); plus a boost where two concepts typed
   one after the other are found one after the other ("shots didnt work": "injections
   don't work"), and one where all the typed words are found as a phrase;
3. then the newest first.

Other databases (SQLite in development) rank substring matches much the same way,
without the boost for pairs.

Each language searches its own articles with its own PostgreSQL configuration
(search_terms.SEARCH_CONFIGS): English with "english", Spanish with
"clinic_spanish", the "spanish" stemmer after unaccent (migration 0009), each with
a GIN index of its own.
"""

from functools import reduce
from itertools import pairwise
from operator import or_

from django.db import connections
from django.db.models import Case, ExpressionWrapper, FloatField, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL

from education.search_terms import (
    FIELD_WEIGHTS,
    MAX_PAIRS,
    PAIR_BOOST,
    PHRASE_BOOST,
    RANK_NORMALIZATION,
    RELEVANCE_STEP,
    SEARCH_CONFIG,
    SUBSTRING_FIELDS,
    singular,
    understand,
)


def matching(articles, terms, language="en"):
    """``articles`` matching ``terms`` (what was typed in ``language``, or a Search),
    best first; all of them for an empty search, none for one of only stop words."""
    search = understand(terms, articles, language)
    if not search:
        return articles if not search.tokens else articles.none()
    if connections[articles.db].vendor == "postgresql":
        return full_text_matching(articles, search)
    return substring_matching(articles, search)


def search_vector(config=SEARCH_CONFIG):
    """The weighted document each article is searched in. Migrations 0004 (English)
    and 0009 (Spanish) made their GIN indexes from this same expression: change them
    together."""
    from django.contrib.postgres.search import SearchVector

    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("body", weight="C", config=config)
    )


def full_text_matching(articles, search):
    from django.contrib.postgres.search import SearchQuery

    queries = [
        SearchQuery(alternative, config=search.config, search_type="phrase")
        for concept in search.concepts
        for alternative in concept.alternatives
    ]
    return (
        articles.alias(search=search_vector(search.config))
        .filter(search=reduce(or_, queries))  # the GIN index finds these
        # Only constants and quoted names in the SQL; what was typed goes in as parameters.
        .annotate(relevance=RawSQL(*relevance_sql(articles, search), FloatField()))  # noqa: S611
        .order_by("-relevance", "-publish_at")
    )


def relevance_sql(articles, search):
    """SQL and parameters for an article's relevance: RELEVANCE_STEP for each
    distinctive concept it matches, plus its rank (always less than RELEVANCE_STEP).

    Parsing an article into its weighted document is most of the work: the sub-select
    parses it once for all the concepts, where Django's expressions would parse it
    again for each use."""
    quote = connections[articles.db].ops.quote_name
    table = quote(articles.model._meta.db_table)
    config = search.config

    def tsquery(alternatives):
        sql = " || ".join(["phraseto_tsquery(%s::regconfig, %s)"] * len(alternatives))
        return f"({sql})", [part for text in alternatives for part in (config, text)]

    def rank(alternatives, weight):
        query, params = tsquery(alternatives)
        sql = f"%s * ts_rank_cd(%s::float4[], doc.vector, {query}, %s)"
        return sql, [weight, FIELD_WEIGHTS, *params, RANK_NORMALIZATION]

    def matched(alternatives):
        query, params = tsquery(alternatives)
        return f"CASE WHEN doc.vector @@ {query} THEN %s ELSE 0 END", [*params, RELEVANCE_STEP]

    terms = []
    for concept in search.concepts:
        if not concept.common:
            terms.append(matched(concept.alternatives))
        terms.append(rank(concept.alternatives, concept.weight))
    # Two concepts typed one after the other, found one after the other.
    for first, second in pairwise(search.concepts):
        pairs = [f"{a} {b}" for a in first.alternatives for b in second.alternatives]
        weight = PAIR_BOOST * min(first.weight, second.weight)
        terms.append(rank(pairs[:MAX_PAIRS], weight))
    if search.phrase:
        terms.append(rank((search.phrase,), PHRASE_BOOST))
    document = " || ".join(
        f"setweight(to_tsvector(%s::regconfig, COALESCE({table}.{quote(column)}, '')), %s)"
        for column in ("title", "summary", "body")
    )
    sql = " + ".join(sql for sql, _ in terms)
    params = [param for _, term_params in terms for param in term_params]
    params += [part for weight in "ABC" for part in (config, weight)]
    # OFFSET 0 keeps PostgreSQL from folding the sub-select back into each use.
    sub_select = f"(SELECT {sql} FROM (SELECT {document} AS vector OFFSET 0) AS doc)"  # noqa: S608
    return sub_select, params


def substring_matching(articles, search):
    """The same ranking from substring matches, for databases without full-text
    search: a phrase must appear as it is, the best field counts."""

    def has(field, phrase):
        if " " in phrase:
            return Q(**{f"{field}__icontains": phrase})
        return Q(**{f"{field}__icontains": singular(phrase)})

    anything, matched, rank = Q(), Value(0), Value(0.0)
    for concept in search.concepts:
        found = {
            field: reduce(or_, (has(field, alternative) for alternative in concept.alternatives))
            for field, _ in SUBSTRING_FIELDS
        }
        anywhere = reduce(or_, found.values())
        anything |= anywhere
        if not concept.common:
            matched += Case(When(anywhere, then=Value(1)), default=Value(0))
        rank += Value(concept.weight) * Case(
            *(When(found[field], then=Value(weight)) for field, weight in SUBSTRING_FIELDS),
            default=Value(0),
        )
    if search.phrase:
        rank += Value(PHRASE_BOOST) * Case(
            *(
                When(Q(**{f"{field}__icontains": search.phrase}), then=Value(weight))
                for field, weight in SUBSTRING_FIELDS
            ),
            default=Value(0),
        )
    return (
        articles.filter(anything)
        .annotate(
            matched=ExpressionWrapper(matched, output_field=IntegerField()),
            rank=ExpressionWrapper(rank, output_field=FloatField()),
        )
        .order_by("-matched", "-rank", "-publish_at")
    )
