"""Search on a stored document (issue 24): each article's weighted tsvector is a
generated column, kept by PostgreSQL whenever a row is written, and GIN-indexed; the
words the published articles use are a table with a trigram index (SearchWord).

- education_plain_text(): the text of a sanitised body, tags taken out and the few
  entities the sanitiser writes turned back into characters.
- clinic_english: PostgreSQL's "english" with the accents taken off first, as
  clinic_spanish (migration 0009) does for Spanish; clinic_words: no stemming and no
  stop words, accents off, for the word list typos are corrected to.
- education_article.search_document: title (weight A), summary (B) and body (C) in
  the article's language's configuration; search_words: the same text in
  clinic_words, read only to rebuild the word list. The columns are not in Article's model state:
  no query loads it unless it asks for it (education.search does), and the admin,
  the forms and the history never see it. The document is stored in the row (STORAGE MAIN).

The expression indexes of migrations 0004 and 0009, which made PostgreSQL parse every
candidate article again on each search, are dropped.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import migrations, models

DOCUMENT = """
    setweight(to_tsvector({config}, coalesce(title, '')), 'A')
    || setweight(to_tsvector({config}, coalesce(summary, '')), 'B')
    || setweight(to_tsvector({config}, education_plain_text(body)), 'C')
"""
CONFIG = "CASE WHEN language = 'es' THEN 'clinic_spanish'::regconfig ELSE 'clinic_english'::regconfig END"

FORWARD = f"""
    DROP INDEX IF EXISTS education_article_search;
    DROP INDEX IF EXISTS education_article_search_es;

    CREATE FUNCTION education_plain_text(html text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN replace(replace(replace(replace(replace(
            regexp_replace(coalesce(html, ''), '<[^>]*>', ' ', 'g'),
            '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&amp;', '&');

    CREATE TEXT SEARCH CONFIGURATION clinic_english (COPY = pg_catalog.english);
    ALTER TEXT SEARCH CONFIGURATION clinic_english
        ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem;
    CREATE TEXT SEARCH CONFIGURATION clinic_words (COPY = pg_catalog.simple);
    ALTER TEXT SEARCH CONFIGURATION clinic_words
        ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple;

    ALTER TABLE education_article ADD COLUMN search_document tsvector
        GENERATED ALWAYS AS ({DOCUMENT.format(config=CONFIG)}) STORED;
    CREATE INDEX education_article_search_document
        ON education_article USING gin (search_document);
    -- Kept in the row, not in the TOAST table: the planner then costs reading it
    -- (and uses the GIN index), and ranking reads each document without a detour.
    ALTER TABLE education_article ALTER COLUMN search_document SET STORAGE MAIN;
    -- The words as written (accents off), for the word list: never parsed again.
    ALTER TABLE education_article ADD COLUMN search_words tsvector
        GENERATED ALWAYS AS (to_tsvector('clinic_words'::regconfig, coalesce(title, '') || ' '
            || coalesce(summary, '') || ' ' || education_plain_text(body))) STORED;
    UPDATE education_article SET title = title;  -- existing rows written again so
"""  # noqa: S608 (constants only)

OLD_DOCUMENT = """
    setweight(to_tsvector('{config}'::regconfig, COALESCE(title, '')), 'A')
    || setweight(to_tsvector('{config}'::regconfig, COALESCE(summary, '')), 'B')
    || setweight(to_tsvector('{config}'::regconfig, COALESCE(body, '')), 'C')
"""
BACKWARD = f"""
    ALTER TABLE education_article DROP COLUMN search_words;
    ALTER TABLE education_article DROP COLUMN search_document;
    DROP TEXT SEARCH CONFIGURATION clinic_words;
    DROP TEXT SEARCH CONFIGURATION clinic_english;
    DROP FUNCTION education_plain_text(text);
    CREATE INDEX education_article_search ON education_article
        USING gin (({OLD_DOCUMENT.format(config="english")}));
    CREATE INDEX education_article_search_es ON education_article
        USING gin (({OLD_DOCUMENT.format(config="clinic_spanish")})) WHERE language = 'es';
"""


class Migration(migrations.Migration):
    dependencies = [("education", "0011_reviewed_content_and_restored_writers")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD, elidable=False),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("language", models.CharField(max_length=10)),
                ("word", models.TextField()),
                ("stemmed", models.BooleanField()),
                ("articles", models.PositiveIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("language", "stemmed", "word"), name="education_searchword_unique"
                    )
                ],
                "indexes": [
                    GinIndex(
                        OpClass("word", name="gin_trgm_ops"),
                        condition=models.Q(("stemmed", False)),
                        name="education_searchword_trgm",
                    )
                ],
            },
        ),
    ]
