"""Revisions and sign-off in the admin (issue 12): the panel, each step by role,
comparing, previewing, going back, discarding, unpublishing, the writing checks and
the reviewer's home page."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from education.images import Image
from education.models import Article, Revision
from tests.clients import BrowserClient
from tests.education.conftest import make_article
from tests.education.test_admin import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def change_url(article):
    return reverse("admin:education_article_change", args=[article.pk])


def step_url(article, number, step):
    return reverse("admin:education_article_step", args=[article.pk, number, step])


def logged_in(user):
    client = BrowserClient()
    client.force_login(user)
    return client


@pytest.fixture
def live(article):
    article.ensure_first_revision()
    return article


@pytest.fixture
def in_review(live, clinician_user, topic):
    """The live article with a working copy written by the clinician, sent for review."""
    client = logged_in(clinician_user)
    data = form_data(
        topic, slug=live.slug, title="Facet joints: the new text", _send_for_review="1"
    )
    client.post(change_url(live), data)
    live.refresh_from_db()
    assert live.working_copy.state == Revision.State.IN_REVIEW
    return live


# Saving and sending


def test_save_and_send_for_review_in_one_click(in_review, clinician_user):
    working = in_review.working_copy

    assert working.number == 2 and working.created_by == clinician_user
    assert working.submitted_at is not None
    assert in_review.title == "Facet joints explained"  # patients keep the published text


def test_the_panel_tells_the_writer_it_waits_for_a_reviewer(in_review, clinician_user):
    html = logged_in(clinician_user).get(change_url(in_review)).content.decode()

    assert "Review and publishing" in html
    assert "On the site: revision 1" in html
    assert "In review" in html and "Waiting for a medical reviewer." in html
    assert "Approve revision" not in html


def test_the_panel_offers_the_reviewer_approval(in_review, reviewer_user):
    html = logged_in(reviewer_user).get(change_url(in_review)).content.decode()

    assert "Approve revision 2" in html
    assert step_url(in_review, 2, "approve") in html
    assert "Ask for changes" in html


# Each step, by role


@pytest.mark.parametrize(
    ("role", "approved"),
    [("reviewer_user", True), ("clinician_user", False), ("front_desk_user", False)],
)
def test_only_a_medical_reviewer_can_approve(request, in_review, role, approved):
    user = request.getfixturevalue(role)

    response = logged_in(user).post(step_url(in_review, 2, "approve"))

    revision = Revision.objects.get(article=in_review, number=2)
    assert (revision.state == Revision.State.APPROVED) is approved
    if role == "front_desk_user":
        assert response.status_code == HTTPStatus.FORBIDDEN
    else:
        assert response.status_code == HTTPStatus.FOUND


def test_a_refused_approval_says_why(in_review, clinician_user):
    response = logged_in(clinician_user).post(step_url(in_review, 2, "approve"), follow=True)

    assert "Only a medical reviewer can approve articles." in response.content.decode()


def test_the_reviewer_cannot_approve_their_own_revision_from_the_admin(live, reviewer_user, topic):
    client = logged_in(reviewer_user)
    client.post(
        change_url(live),
        form_data(topic, slug=live.slug, title="By the reviewer", _send_for_review="1"),
    )

    response = client.post(step_url(live, 2, "approve"), follow=True)

    assert "another medical reviewer must approve it" in response.content.decode()
    assert Revision.objects.get(article=live, number=2).state == Revision.State.IN_REVIEW


def test_approve_then_publish_puts_the_new_text_and_sign_off_before_patients(
    in_review, reviewer_user, clinician_user
):
    logged_in(reviewer_user).post(step_url(in_review, 2, "approve"))
    response = logged_in(clinician_user).post(step_url(in_review, 2, "publish"), follow=True)

    assert "Published: patients now see this revision." in response.content.decode()
    page = BrowserClient().get(in_review.get_absolute_url()).content.decode()
    assert "Facet joints: the new text" in page
    assert "Dr. Rae Reviewer" in page


def test_front_desk_can_take_no_step(in_review, front_desk_user):
    client = logged_in(front_desk_user)
    for step in ["submit", "approve", "request-changes", "publish", "revert"]:
        assert client.post(step_url(in_review, 2, step)).status_code == HTTPStatus.FORBIDDEN
    assert client.post(
        reverse("admin:education_article_unpublish", args=[in_review.pk])
    ).status_code == (HTTPStatus.FORBIDDEN)
    in_review.refresh_from_db()
    assert in_review.working_copy.state == Revision.State.IN_REVIEW and in_review.is_live


def test_asking_for_changes_shows_the_note_to_the_writer(in_review, reviewer_user, clinician_user):
    logged_in(reviewer_user).post(
        step_url(in_review, 2, "request-changes"), {"review_note": "Name the risks."}
    )

    html = logged_in(clinician_user).get(change_url(in_review)).content.decode()
    assert "Changes requested" in html and "Name the risks." in html
    assert "Save and send for review" in html


def test_publishing_at_a_past_time_is_refused_with_a_clear_message(
    in_review, reviewer_user, clinician_user
):
    logged_in(reviewer_user).post(step_url(in_review, 2, "approve"))
    # Noon yesterday at the clinic: a time that exists whatever the hour CI runs at
    # (an hour ago could fall in a DST gap or repeat and be refused for that instead).
    past = (timezone.localtime() - timedelta(days=1)).replace(hour=12, minute=0)
    past = past.strftime("%Y-%m-%dT%H:%M")

    response = logged_in(clinician_user).post(
        step_url(in_review, 2, "publish"), {"go_live_at": past}, follow=True
    )

    assert "That time has passed" in response.content.decode()
    in_review.refresh_from_db()
    assert in_review.title == "Facet joints explained"


def test_publishing_at_a_set_time_schedules_it_in_the_clinics_zone(
    in_review, reviewer_user, clinician_user, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    logged_in(reviewer_user).post(step_url(in_review, 2, "approve"))
    # Noon tomorrow at the clinic: never in a DST gap or repeat, at any hour of a run.
    later = (timezone.localtime() + timedelta(days=1)).replace(hour=12, minute=0)

    response = logged_in(clinician_user).post(
        step_url(in_review, 2, "publish"),
        {"go_live_at": later.strftime("%Y-%m-%dT%H:%M")},
        follow=True,
    )

    assert "Scheduled: patients see these changes from" in response.content.decode()
    revision = Revision.objects.get(article=in_review, number=2)
    assert timezone.localtime(revision.go_live_at).strftime("%Y-%m-%d %H:%M") == later.strftime(
        "%Y-%m-%d %H:%M"
    )


def test_a_time_that_does_not_exist_at_the_clinic_is_refused(
    in_review, reviewer_user, clinician_user, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TIME_ZONE = "America/New_York"
    logged_in(reviewer_user).post(step_url(in_review, 2, "approve"))

    # Clocks jump from 2:00 to 3:00 on March 14, 2027 in New York.
    response = logged_in(clinician_user).post(
        step_url(in_review, 2, "publish"), {"go_live_at": "2027-03-14T02:30"}, follow=True
    )

    assert Revision.objects.get(article=in_review, number=2).go_live_at is None
    assert "it may be ambiguous or it may not exist" in response.content.decode()


# Reading revisions


def test_revisions_list_shows_each_with_writer_state_and_sign_off(in_review, clinician_user):
    response = logged_in(clinician_user).get(
        reverse("admin:education_article_revisions", args=[in_review.pk])
    )

    html = response.content.decode()
    assert "on the site" in html and "working copy" in html
    assert "In review" in html and "Dr. Ana Ruiz" in html  # revision 1's sign-off


def test_compare_shows_words_not_tags_and_only_what_changed(live, clinician_user, topic):
    live.body = (
        "<h2>What are facet joints?</h2><p>They are small joints.</p>"
        '<ul><li>Pain in the back</li></ul><p>See <a href="/articles/x/">this page</a>.</p>'
    )
    live.save()
    Revision.objects.filter(pk=live.live_revision_id).update(
        content={**live.live_revision.content, "body": live.body}
    )
    client = logged_in(clinician_user)
    new_body = (
        "<h2>What are the facet joints?</h2><p>They are small joints.</p>"
        '<ul><li>Pain in the lower back</li></ul><p>See <a href="/articles/y/">this page</a>.</p>'
    )
    client.post(
        change_url(live),
        form_data(topic, slug=live.slug, title=live.title, body=new_body, summary=live.summary),
    )

    html = client.get(
        reverse("admin:education_article_compare", args=[live.pk, 2])
    ).content.decode()

    assert "<ins>the</ins>" in html and "<ins>lower</ins>" in html
    assert "Heading: " in html
    # A changed link shows as its address, in words.
    assert "this page (link to <del>/articles/x/).</del> <ins>/articles/y/).</ins>" in html
    assert "&lt;h2&gt;" not in html and "&lt;li&gt;" not in html
    assert ">Text</h2>" in html
    assert ">Title</h2>" not in html and ">Summary</h2>" not in html  # unchanged


def test_preview_shows_the_working_copy_on_the_real_page_never_cached(in_review, clinician_user):
    response = logged_in(clinician_user).get(
        reverse("admin:education_article_preview", args=[in_review.pk, 2])
    )

    html = response.content.decode()
    assert "Facet joints: the new text" in html
    assert "Draft preview." in html
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex"
    # The working copy has no sign-off yet: no byline claims one.
    assert "Medically reviewed by" not in html
    public = BrowserClient().get(in_review.get_absolute_url()).content.decode()
    assert "Facet joints: the new text" not in public


def test_going_back_from_the_revisions_page(live, clinician_user, topic):
    client = logged_in(clinician_user)
    client.post(change_url(live), form_data(topic, slug=live.slug, title="A worse title"))

    response = client.post(step_url(live, 1, "revert"), follow=True)

    assert "Revision 3 holds the text of revision 1" in response.content.decode()
    live.refresh_from_db()
    assert live.working_copy.content["title"] == "Facet joints explained"
    assert live.working_copy.state == Revision.State.DRAFT


def test_words_restored_from_the_revisions_page_keep_their_writer(
    live, clinician_user, reviewer_user, second_reviewer_user, topic
):
    # The reviewer's revision 2 is overtaken by the clinician's revision 3, which a
    # second reviewer approves and the clinician publishes.
    logged_in(reviewer_user).post(
        change_url(live), form_data(topic, slug=live.slug, title="The reviewer's title")
    )
    clinician = logged_in(clinician_user)
    clinician.post(
        change_url(live),
        form_data(topic, slug=live.slug, title="Another title", _send_for_review="1"),
    )
    logged_in(second_reviewer_user).post(step_url(live, 3, "approve"))
    clinician.post(step_url(live, 3, "publish"), {"go_live_at": ""})
    live.refresh_from_db()
    assert live.title == "Another title"

    clinician.post(step_url(live, 2, "revert"))  # revision 4: the reviewer's words again
    clinician.post(step_url(live, 4, "submit"))

    reviewer = logged_in(reviewer_user)
    response = reviewer.post(step_url(live, 4, "approve"), follow=True)

    assert "another medical reviewer must approve it" in response.content.decode()
    assert Revision.objects.get(article=live, number=4).state == Revision.State.IN_REVIEW
    home = reviewer.get(reverse("admin:index")).content.decode()
    assert "Waiting for my review (0)" in home


def test_discarding_asks_first_then_returns_to_the_published_text(live, clinician_user, topic):
    client = logged_in(clinician_user)
    client.post(change_url(live), form_data(topic, slug=live.slug, title="Unwanted"))
    url = reverse("admin:education_article_discard", args=[live.pk])

    assert "Discard the unpublished changes?" in client.get(url).content.decode()
    live.refresh_from_db()
    assert live.working_copy is not None  # asking changed nothing

    client.post(url)
    live.refresh_from_db()
    assert live.working_copy is None
    form = client.get(change_url(live)).context["adminform"].form
    assert form.initial["title"] == "Facet joints explained"


def test_unpublishing_asks_first(live, reviewer_user):
    client = logged_in(reviewer_user)
    url = reverse("admin:education_article_unpublish", args=[live.pk])

    page = client.get(url).content.decode()
    live.refresh_from_db()
    assert "Take this article off the site?" in page and live.is_live

    client.post(url)
    live.refresh_from_db()
    assert live.status == Article.Status.DRAFT
    assert BrowserClient().get(live.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


# Writing checks


def test_writing_checks_flag_what_the_issue_names(clinician_user):
    long_sentence = " ".join(["word"] * 30) + "."
    body = (
        f"<h3>Skipped a level</h3><p>{long_sentence}</p>"
        "<p>Radiofrequency ablation is bilateral here.</p><p>[image 999]</p>"
    )

    result = (
        logged_in(clinician_user)
        .post(reverse("admin:education_article_writing_checks"), {"body": body})
        .json()
    )

    assert result["target"] == 8 and result["grade"] is not None
    assert result["long_sentences"][0]["words"] == 30
    terms = {word["term"]: word["plainer"] for word in result["plainer_words"]}
    assert terms["radiofrequency ablation"] == "a treatment that uses heat to quiet a pain nerve"
    assert terms["bilateral"] == "on both sides"
    assert "level 3 but follows level 1" in result["headings"][0]
    assert "[image 999] is not in the image library" in result["pictures"][0]


def test_writing_checks_flag_a_body_picture_without_a_description(
    clinician_user, settings, tmp_path
):
    from tests.education.images_helpers import make_image

    settings.MEDIA_ROOT = str(tmp_path)
    image = make_image()
    Image.objects.filter(pk=image.pk).update(alt="", decorative=True)

    result = (
        logged_in(clinician_user)
        .post(
            reverse("admin:education_article_writing_checks"),
            {"body": f"<p>[image {image.pk}]</p>"},
        )
        .json()
    )

    assert "has no description" in result["pictures"][0]


def test_writing_checks_say_nothing_of_a_plain_short_text(clinician_user):
    result = (
        logged_in(clinician_user)
        .post(
            reverse("admin:education_article_writing_checks"),
            {"body": "<h2>Rest</h2><p>Rest a little. Then walk a bit each day.</p>"},
        )
        .json()
    )

    assert not result["above_target"]
    assert result["long_sentences"] == result["plainer_words"] == result["headings"] == []


def test_an_article_above_the_target_can_still_be_published(live, clinician_user, reviewer_user):
    hard = "<p>" + " ".join(["Interventional radiofrequency neurotomy necessitates"] * 8) + ".</p>"
    revision = live.save_revision(clinician_user, {**live.latest_revision.content, "body": hard})
    revision.submit_for_review(clinician_user)
    revision.approve(reviewer_user)
    revision.publish(clinician_user)

    live.refresh_from_db()
    assert live.grade_level > 8 and live.body == hard


# The admin home


def test_reviewer_sees_waiting_for_my_review(in_review, reviewer_user):
    html = logged_in(reviewer_user).get(reverse("admin:index")).content.decode()

    assert "Waiting for my review (1)" in html
    assert "Facet joints explained" in html and "revision 2" in html


def test_writer_does_not_see_a_review_queue(in_review, clinician_user):
    html = logged_in(clinician_user).get(reverse("admin:index")).content.decode()

    assert "Waiting for my review" not in html
    assert "Patient education" in html


def test_the_reviewer_does_not_see_their_own_writing_waiting(live, reviewer_user, topic):
    client = logged_in(reviewer_user)
    client.post(
        change_url(live), form_data(topic, slug=live.slug, title="Mine", _send_for_review="1")
    )

    html = client.get(reverse("admin:index")).content.decode()

    assert "Waiting for my review (0)" in html


def test_waiting_list_filter(in_review, reviewer_user):
    other = make_article("Not in review")
    other.ensure_first_revision()

    result = (
        logged_in(reviewer_user)
        .get(reverse("admin:education_article_changelist"), {"changes": "mine"})
        .context["cl"]
        .result_list
    )

    assert list(result) == [in_review]


# The article's own history (the audit of what patients read)


def test_history_shows_text_as_words_and_leaves_out_what_reads_the_same(
    live, clinician_user, reviewer_user
):
    # A publication time moved by seconds reads the same: no change to show.
    Article.objects.filter(pk=live.pk).update(publish_at=live.publish_at)
    live.refresh_from_db()
    live.publish_at = live.publish_at.replace(second=(live.publish_at.second + 1) % 60)
    live.body = "<p>Facet joints are small joints in your back, and they can hurt.</p>"
    live.save()

    html = (
        logged_in(clinician_user)
        .get(reverse("admin:education_article_history", args=[live.pk]))
        .content.decode()
    )

    assert "Body:</strong> 8 words → 12 words" in html
    assert "&lt;p&gt;" not in html and "<p>Fa[" not in html
    assert "Publish at:" not in html


# Emails about the review (titles and links only)


def test_reviewers_are_emailed_when_a_revision_waits_and_the_writer_hears_back(
    live, clinician_user, reviewer_user, second_reviewer_user, topic, mailoutbox
):
    for user, address in [
        (clinician_user, "writer@example.org"),
        (reviewer_user, "rae@example.org"),
        (second_reviewer_user, "sam@example.org"),
    ]:
        user.email = address
        user.save()
    logged_in(reviewer_user).post(
        change_url(live),
        form_data(topic, slug=live.slug, title="Rae's edit", _send_for_review="1"),
    )

    # Rae wrote it, so only Sam is asked.
    assert [mail.to for mail in mailoutbox] == [["sam@example.org"]]
    assert mailoutbox[0].subject == "Waiting for your review: Rae's edit"
    assert change_url(live) in mailoutbox[0].body

    logged_in(second_reviewer_user).post(
        step_url(live, 2, "request-changes"), {"review_note": "Say when to call 911."}
    )

    outcome = mailoutbox[-1]
    assert outcome.to == ["rae@example.org"]
    assert outcome.subject == "Changes asked for: Rae's edit"
    assert "Say when to call 911." in outcome.body


# Issue 27: a live article is unpublished by a reviewer, deleted only by the manager.


def test_a_clinician_cannot_unpublish_or_delete_a_live_article(live, clinician_user):
    client = logged_in(clinician_user)

    page = client.get(change_url(live)).content.decode()

    assert "Unpublish…" not in page
    assert 'class="deletelink"' not in page
    assert "_addanother" not in page
    unpublish = reverse("admin:education_article_unpublish", args=[live.pk])
    assert client.get(unpublish).status_code == HTTPStatus.FORBIDDEN
    delete = reverse("admin:education_article_delete", args=[live.pk])
    assert client.get(delete).status_code == HTTPStatus.FORBIDDEN


def test_the_sources_help_speaks_a_clinicians_language(live, clinician_user):
    page = logged_in(clinician_user).get(change_url(live)).content.decode()

    assert "ARTICLE_SOURCES_PUBLIC" not in page
    assert "Patients do not see this list" in page


def test_sending_for_review_names_the_reviewers_and_the_queued_emails(
    topic, clinician_user, reviewer_user, second_reviewer_user
):
    from core.models import Email

    reviewer_user.email = "rae@example.org"
    reviewer_user.save()
    client = logged_in(clinician_user)
    data = form_data(topic, title="Knee pain basics", slug="knee-pain-basics")

    response = client.post(
        reverse("admin:education_article_add"), {**data, "_send_for_review": "1"}, follow=True
    )

    text = response.content.decode()
    assert "Sent for review: it is on the home page of reviewer, reviewer2." in text
    assert "An email telling them is queued for 1 of them." in text
    assert Email.objects.filter(kind="waiting for review").count() == 1


def test_when_no_other_reviewer_exists_the_message_says_who_can_act(
    topic, reviewer_user, manager_user
):
    manager_user.first_name, manager_user.last_name = "Morgan", "Manager"
    manager_user.save()
    client = logged_in(reviewer_user)
    data = form_data(topic, title="Knee pain basics", slug="knee-pain-basics")

    response = client.post(
        reverse("admin:education_article_add"), {**data, "_send_for_review": "1"}, follow=True
    )

    text = response.content.decode()
    assert "no medical reviewer can approve it" in text
    assert "The practice manager (Morgan Manager) can add another medical reviewer" in text
    assert "will see it on their home page" not in text
