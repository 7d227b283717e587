"""What patients read beside the articles changes only by a medical reviewer (issue 28):
the emergency notice, the clinician profiles in the bylines, the images' words and the
topics. A plain clinician's change is refused (403, nothing saved); a reviewer's is
saved and the history names them. The three attacks of the security test come first.
Location notes are the practice manager's: no clinician and no front desk changes them.
"""

from http import HTTPStatus

import pytest

from education.images import Image
from education.models import Clinician, EmergencyNotice, Topic
from tests.appointments.conftest import make_location
from tests.education.conftest import make_article, make_topic
from tests.education.images_helpers import make_image, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def change_url(obj):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def logged_in(client, user):
    client.force_login(user)
    return client


def notice_form(notice, **changes):
    return {
        "heading": notice.heading,
        "text": notice.text,
        "article": notice.article_id or "",
        "link_text": notice.link_text,
        **changes,
    }


def profile_form(clinician, **changes):
    fields = ("name", "credentials", "title", "bio")
    return {field: getattr(clinician, field) for field in fields} | changes


def captioned_image(caption):
    image = make_image()
    image.caption = caption
    image.save()
    return image


def image_form(image, **changes):
    data = {"alt": image.alt, "caption": image.caption, "credit": image.credit}
    if image.decorative:
        data["decorative"] = "on"
    return data | changes


def topic_form(topic, **changes):
    return {
        "name": topic.name,
        "slug": topic.slug,
        "description": topic.description,
        "language": topic.language,
        "translation_of": topic.translation_of_id or "",
        **changes,
    }


# The three attacks of the security test, each as a plain clinician.


def test_a_plain_clinician_cannot_change_the_emergency_notice(client, clinician_user):
    notice = EmergencyNotice.objects.get()

    response = logged_in(client, clinician_user).post(
        change_url(notice), notice_form(notice, heading="No need to call 911")
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert EmergencyNotice.objects.get().heading == notice.heading
    # Read-only for them: the page shows the wording, with nothing to type into.
    page = client.get(change_url(notice)).content.decode()
    assert 'name="heading"' not in page and notice.heading in page


def test_nor_through_an_old_version_of_the_notice(client, clinician_user):
    """simple-history's page of an old version saves whatever is posted to it."""
    notice = EmergencyNotice.objects.get()
    notice.save()  # a first version in its history
    version = notice.history.first()

    response = logged_in(client, clinician_user).post(
        f"{change_url(notice).removesuffix('change/')}history/{version.history_id}/",
        notice_form(notice, heading="No need to call 911"),
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert EmergencyNotice.objects.get().heading == notice.heading


def test_a_plain_clinician_cannot_change_a_reviewers_profile(client, clinician_user, reviewer_user):
    profile = reviewer_user.clinician
    make_article(reviewer=profile)

    response = logged_in(client, clinician_user).post(
        change_url(profile), profile_form(profile, credentials="MD, PhD, FACP")
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Clinician.objects.get(pk=profile.pk).credentials == "MD"
    # Nor add a profile of their own making to put in a byline.
    response = client.post(
        "/admin/education/clinician/add/", {"name": "Dr. Made Up", "credentials": "MD"}
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Clinician.objects.filter(name="Dr. Made Up").exists()


def test_a_plain_clinician_cannot_change_an_images_caption_or_alt_text(client, clinician_user):
    image = captioned_image("The facet joints, seen from the side")

    response = logged_in(client, clinician_user).post(
        change_url(image),
        image_form(image, caption="Take twice the prescribed dose", alt="Twice the dose"),
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    stored = Image.objects.get()
    assert stored.caption == "The facet joints, seen from the side"
    assert stored.alt == image.alt
    # Nor take a picture out of the articles that show it.
    response = client.post(f"{change_url(image).removesuffix('change/')}delete/", {"post": "yes"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Image.objects.exists()


def test_a_plain_clinician_still_uploads_new_pictures(client, clinician_user):
    """A new picture reaches patients only in a revision a reviewer approves."""
    response = logged_in(client, clinician_user).post(
        "/admin/education/image/add/",
        {"file": upload(), "alt": "A diagram of the spine", "caption": "", "credit": ""},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Image.objects.get().alt == "A diagram of the spine"


def test_a_plain_clinician_cannot_change_or_add_topics(client, clinician_user):
    topic = make_topic(description="Small joints at the back of the spine.")

    response = logged_in(client, clinician_user).post(
        change_url(topic), topic_form(topic, description="Nothing to worry about.")
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Topic.objects.get().description == "Small joints at the back of the spine."

    response = client.post(
        "/admin/education/topic/add/", topic_form(topic, name="Cures", slug="cures")
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Topic.objects.filter(slug="cures").exists()


# A medical reviewer makes the same changes, and the history names them.


def latest_version(obj):
    return type(obj).history.filter(id=obj.pk).first()


def test_a_reviewer_changes_the_notice_and_the_history_says_who(client, reviewer_user):
    notice = EmergencyNotice.objects.get()

    response = logged_in(client, reviewer_user).post(
        change_url(notice), notice_form(notice, heading="Get help now")
    )

    assert response.status_code == HTTPStatus.FOUND
    assert EmergencyNotice.objects.get().heading == "Get help now"
    assert latest_version(notice).history_user == reviewer_user
    history = client.get(f"{change_url(notice).removesuffix('change/')}history/")
    assert "Get help now" in history.content.decode()


def test_a_reviewer_changes_a_profile_and_the_history_says_who(
    client, reviewer_user, second_reviewer_user
):
    profile = second_reviewer_user.clinician

    response = logged_in(client, reviewer_user).post(
        change_url(profile), profile_form(profile, credentials="MD, MPH")
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Clinician.objects.get(pk=profile.pk).credentials == "MD, MPH"
    version = latest_version(profile)
    assert version.history_user == reviewer_user and version.credentials == "MD, MPH"
    # The account link stays the practice manager's.
    assert Clinician.objects.get(pk=profile.pk).user == second_reviewer_user


def test_a_reviewer_changes_a_caption_and_the_history_says_who(client, reviewer_user):
    image = captioned_image("Old caption")

    response = logged_in(client, reviewer_user).post(
        change_url(image), image_form(image, caption="The facet joints, circled")
    )

    assert response.status_code == HTTPStatus.FOUND
    assert Image.objects.get().caption == "The facet joints, circled"
    assert latest_version(image).history_user == reviewer_user


def test_a_reviewer_changes_a_topic_and_the_history_says_who(client, reviewer_user):
    topic = make_topic()

    response = logged_in(client, reviewer_user).post(
        change_url(topic), topic_form(topic, description="Small joints of the spine.")
    )

    assert response.status_code == HTTPStatus.FOUND
    assert latest_version(topic).history_user == reviewer_user


# Location notes: the practice manager's only, with their history.


def location_form(location, **changes):
    return {
        "name": location.name,
        "slug": location.slug,
        "address": location.address,
        "phone": location.phone,
        "hours": location.hours,
        "is_active": "on",
        "order": location.order,
        "opening_hours-TOTAL_FORMS": 0,
        "opening_hours-INITIAL_FORMS": 0,
        "opening_hours-MIN_NUM_FORMS": 0,
        "opening_hours-MAX_NUM_FORMS": 1000,
        "closures-TOTAL_FORMS": 0,
        "closures-INITIAL_FORMS": 0,
        "closures-MIN_NUM_FORMS": 0,
        "closures-MAX_NUM_FORMS": 1000,
        **changes,
    }


@pytest.mark.parametrize("role", ["clinician_user", "reviewer_user", "front_desk_user"])
def test_only_the_practice_manager_changes_a_location_note(request, client, role):
    location = make_location()
    location.save()  # a first version in its history
    history_url = change_url(location).removesuffix("change/") + "history/"
    version = location.history.first()
    client = logged_in(client, request.getfixturevalue(role))

    for url in (change_url(location), f"{history_url}{version.history_id}/"):
        response = client.post(url, location_form(location, hours="Skip your medicines"))
        assert response.status_code == HTTPStatus.FORBIDDEN, url
    assert type(location).objects.get().hours == location.hours


def test_the_managers_change_of_a_location_note_is_in_its_history(client, manager_user):
    location = make_location()

    response = logged_in(client, manager_user).post(
        change_url(location), location_form(location, hours="Closed on public holidays")
    )

    assert response.status_code == HTTPStatus.FOUND
    version = latest_version(location)
    assert version.history_user == manager_user
    assert version.hours == "Closed on public holidays"
