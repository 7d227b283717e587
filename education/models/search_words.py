"""The words the published articles use, per language (issue 24): kept by the
database from the articles' stored search documents (education.search.refresh_words),
read by every search, never worked out for one."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models


class SearchWord(models.Model):
    """A word of the published articles in ``language`` and in how many it appears:
    as written, accents off (``stemmed`` False: typos are corrected to these, through
    the trigram index), or as its language's stemmer reduces it (``stemmed`` True: how
    widespread a searched word is; the phrases of the synonym list too, by their
    tsquery, and the empty word: how many published articles there are)."""

    language = models.CharField(max_length=10)
    word = models.TextField()
    stemmed = models.BooleanField()
    articles = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["language", "stemmed", "word"], name="education_searchword_unique"
            )
        ]
        indexes = [
            GinIndex(
                OpClass("word", name="gin_trgm_ops"),
                name="education_searchword_trgm",
                condition=models.Q(stemmed=False),
            )
        ]

    def __str__(self):
        return self.word
