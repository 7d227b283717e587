import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from education.models import Article
from tests.conftest import make_staff
from tests.education.conftest import make_article

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:education_article_changelist")
ADD = reverse("admin:education_article_add")


def change_url(article):
    return reverse("admin:education_article_change", args=[article.pk])


def form_data(topic, **overrides):
    """What the admin's article form posts."""
    data = {
        "title": "Pain diaries",
        "slug": "pain-diaries",
        "summary": "How a pain diary helps you and your doctor.",
        "body": "<p>Write down how you feel each day.</p>",
        "topics": [topic.pk],
        "author": "",
        "sources": "",
        "language": "en",
    }
    data.update(overrides)
    return data


# Who may do what


@pytest.mark.parametrize("url", [CHANGELIST, ADD])
def test_clinicians_can_open_the_article_admin(clinician_client, url):
    assert clinician_client.get(url).status_code == HTTPStatus.OK


def test_clinicians_can_write_a_draft(clinician_client, topic, clinician_user):
    response = clinician_client.post(ADD, form_data(topic))

    assert response.status_code == HTTPStatus.FOUND, response.context["errors"]
    article = Article.objects.get(slug="pain-diaries")
    assert article.status == Article.Status.DRAFT
    assert list(article.topics.all()) == [topic]


def test_clinicians_can_edit_an_article(clinician_client, clinician_user, article, topic):
    data = form_data(topic, title="Facet joints, explained again", slug=article.slug)

    response = clinician_client.post(change_url(article), {**data, "_continue": "1"}, follow=True)

    assert "Saved as revision 2" in response.content.decode()
    article.refresh_from_db()
    working = article.working_copy
    assert working.content["title"] == "Facet joints, explained again"
    assert working.created_by == clinician_user
    # The form shows the working copy, while patients keep the published title.
    assert response.context["adminform"].form.initial["title"] == "Facet joints, explained again"
    assert article.title == "Facet joints explained"


@pytest.mark.parametrize("view", ["changelist", "add", "change", "history"])
def test_front_desk_cannot_see_or_edit_articles(front_desk_client, article, view):
    args = [] if view in {"changelist", "add"} else [article.pk]
    url = reverse(f"admin:education_article_{view}", args=args)

    assert front_desk_client.get(url).status_code == HTTPStatus.FORBIDDEN


def test_front_desk_cannot_post_an_article(front_desk_client, topic):
    response = front_desk_client.post(ADD, form_data(topic))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Article.objects.exists()


# Publishing needs a clinical review (more in test_workflow_admin.py)


def test_a_new_article_is_a_draft_whatever_the_form_says(clinician_client, topic):
    clinician_client.post(ADD, form_data(topic, status="published", reviewer="1"))

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.reviewer is None
    assert article.latest_revision.number == 1


def test_publish_action_publishes_approved_changes_and_refuses_the_rest(
    clinician_client, reviewer_user, clinician_user
):
    approved = make_article("Approved", published=False)
    approved.ensure_first_revision()
    approved.latest_revision.submit_for_review(clinician_user)
    approved.latest_revision.approve(reviewer_user)
    unreviewed = make_article("Unreviewed", published=False)

    response = clinician_client.post(
        CHANGELIST,
        {"action": "publish_selected", "_selected_action": [approved.pk, unreviewed.pk]},
        follow=True,
    )

    approved.refresh_from_db()
    unreviewed.refresh_from_db()
    assert approved.is_live and approved.reviewer == reviewer_user.clinician
    assert unreviewed.status == Article.Status.DRAFT
    html = response.content.decode()
    assert "Published 1 article(s)." in html
    assert "a medical reviewer must approve the changes first" in html and "Unreviewed" in html


@pytest.fixture
def writer_client(client, django_user_model):
    """Staff who may edit articles but not publish them."""
    user = make_staff(django_user_model, "writer")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Article),
            codename__in=["view_article", "add_article", "change_article"],
        )
    )
    client.force_login(user)
    return client


def test_without_publish_permission_there_are_no_publish_actions(writer_client, article):
    response = writer_client.get(CHANGELIST)

    # With no action left the admin drops the actions menu altogether.
    assert response.context["action_form"] is None
    assert "publish_selected" not in response.content.decode()


def test_without_publish_permission_nothing_can_be_published_or_unpublished(writer_client, article):
    article.ensure_first_revision()
    step = reverse("admin:education_article_step", args=[article.pk, 1, "publish"])
    unpublish = reverse("admin:education_article_unpublish", args=[article.pk])

    assert writer_client.post(step).status_code == HTTPStatus.FORBIDDEN
    assert writer_client.post(unpublish).status_code == HTTPStatus.FORBIDDEN
    article.refresh_from_db()
    assert article.is_live


# The list and the form


def test_changelist_shows_status_topics_reviewer_and_review_due(
    clinician_client, article, draft, scheduled
):
    html = clinician_client.get(CHANGELIST).content.decode()

    assert "Scheduled for" in html
    assert "Draft" in html
    assert article.reviewer.display_name in html
    assert "Facet joints" in html  # the topic
    # Only what patients read falls due; the draft's review is part of its workflow.
    assert "Due: never reviewed" not in html


def test_review_due_filter(clinician_client, reviewer):
    stale = make_article("Stale", reviewed_on=timezone.localdate() - timedelta(days=400))
    fresh = make_article("Fresh")

    due = clinician_client.get(CHANGELIST, {"review_due": "yes"}).context["cl"].result_list
    done = clinician_client.get(CHANGELIST, {"review_due": "no"}).context["cl"].result_list

    assert list(due) == [stale]
    assert list(done) == [fresh]


def test_changelist_search_finds_text_in_the_body(clinician_client, article, draft):
    draft.body = "<p>Numbing medicine goes into the joint.</p>"
    draft.save()

    result = clinician_client.get(CHANGELIST, {"q": "numbing"}).context["cl"].result_list

    assert list(result) == [draft]


def test_change_form_has_the_live_writing_checks_panel(clinician_client, article):
    html = clinician_client.get(change_url(article)).content.decode()

    checks_url = reverse("admin:education_article_writing_checks")
    assert f'id="writing-checks" class="writing-checks" data-url="{checks_url}"' in html
    assert re.search(r"<script [^>]*education/writing_checks\.js", html)


def test_change_form_uses_the_prose_editor_with_the_article_extensions(clinician_client, draft):
    html = clinician_client.get(change_url(draft)).content.decode()

    assert "data-django-prose-editor-configurable" in html
    assert "Blockquote" in html
    assert "Table" not in html
    # Started by our module (no injected <style>, which the CSP refuses), not the package's.
    assert re.search(r"<script [^>]*education/article_editor\.js", html)
    assert not re.search(r"<script [^>]*django_prose_editor/configurable\.js", html)


def test_view_on_site_works_for_drafts(clinician_client, draft):
    html = clinician_client.get(change_url(draft)).content.decode()
    assert "View on site" in html

    content_type = ContentType.objects.get_for_model(Article)
    response = clinician_client.get(
        reverse("admin:view_on_site", args=[content_type.pk, draft.pk]), follow=True
    )

    assert response.redirect_chain[-1][0].endswith(draft.get_absolute_url())
    assert "Draft preview." in response.content.decode()


def test_new_article_defaults_to_the_clinicians_own_author_profile(
    clinician_client, clinician_user, reviewer
):
    reviewer.user = clinician_user
    reviewer.save()

    form = clinician_client.get(ADD).context["adminform"].form

    assert form.initial["author"] == reviewer.pk


def test_body_from_the_browser_is_sanitised(clinician_client, topic):
    body = '<p>Hi<img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a></p>'

    clinician_client.post(ADD, form_data(topic, body=body))

    assert Article.objects.get().body == '<p>Hi<a rel="noopener noreferrer nofollow">x</a></p>'


# Revisions


def test_history_records_who_changed_the_article(clinician_client, clinician_user, draft, topic):
    clinician_client.post(change_url(draft), form_data(topic, slug=draft.slug, title="New title"))

    latest = draft.history.first()
    assert latest.title == "New title"
    assert latest.history_user == clinician_user


def test_unpublishing_is_recorded_with_the_user(client, reviewer_user, article):
    # Unpublishing is a medical reviewer's step (issue 27).
    client.force_login(reviewer_user)
    client.post(reverse("admin:education_article_unpublish", args=[article.pk]))

    assert article.history.first().history_user == reviewer_user
    assert article.history.first().status == Article.Status.DRAFT


def test_the_old_history_revert_page_leads_to_revisions(clinician_client, draft, topic):
    first_version = draft.history.earliest()
    revert_url = reverse(
        "admin:education_article_simple_history", args=[draft.pk, first_version.history_id]
    )

    response = clinician_client.post(revert_url, form_data(topic, slug=draft.slug, title="x"))

    assert response.url == reverse("admin:education_article_revisions", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.title == "Draft about injections"


def test_history_page_lists_changes_with_the_user(clinician_client, clinician_user, draft, topic):
    clinician_client.post(change_url(draft), form_data(topic, slug=draft.slug, title="Edited"))

    html = clinician_client.get(reverse("admin:education_article_history", args=[draft.pk]))

    assert clinician_user.username in html.content.decode()


# Topics and clinicians


def test_medical_reviewers_add_topics_and_clinician_profiles(client, reviewer_user):
    # A plain clinician may not (tests/education/test_reviewed_content.py).
    client.force_login(reviewer_user)
    assert client.get(reverse("admin:education_topic_add")).status_code == HTTPStatus.OK
    assert client.get(reverse("admin:education_clinician_add")).status_code == HTTPStatus.OK


def test_clinicians_cannot_link_clinician_profiles_to_staff_accounts(clinician_client, reviewer):
    url = reverse("admin:education_clinician_change", args=[reviewer.pk])

    assert "user" not in clinician_client.get(url).context["adminform"].form.fields


def test_the_manager_links_clinician_profiles_to_staff_accounts(manager_client, reviewer):
    url = reverse("admin:education_clinician_change", args=[reviewer.pk])

    assert "user" in manager_client.get(url).context["adminform"].form.fields
