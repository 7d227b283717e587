"""The article editor's image picker: its JSON list of library images (issue 13)."""

from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from education.admin.images import ImageAdmin
from tests.education.images_helpers import make_image

pytestmark = pytest.mark.django_db

PICKER_URL = "/admin/education/image/picker/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_URL = "/media/"


def small_image(alt, **fields):
    image = make_image(alt, width=120, height=90)
    for name, value in fields.items():
        setattr(image, name, value)
    image.save()
    return image


def test_clinician_gets_each_image_with_its_marker_and_thumbnail(clinician_client):
    image = small_image("Side view of the spine", caption="The facet joints")

    response = clinician_client.get(PICKER_URL)

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "results": [
            {
                "id": image.pk,
                "marker": f"[image {image.pk}]",
                "alt": "Side view of the spine",
                "caption": "The facet joints",
                "decorative": False,
                "thumbnail": {
                    "url": image.url(400, "WEBP"),
                    "width": 120,
                    "height": 90,
                },
            }
        ],
        "more": False,
    }
    assert response.json()["results"][0]["thumbnail"]["url"].endswith(".webp")


def test_nothing_else_about_an_image_is_sent(clinician_client):
    small_image("Side view of the spine", credit="Drawn by the clinic")

    entry = clinician_client.get(PICKER_URL).json()["results"][0]

    assert set(entry) == {"id", "marker", "alt", "caption", "decorative", "thumbnail"}
    assert "Drawn by the clinic" not in str(entry)


def test_front_desk_is_refused(front_desk_client):
    small_image("Side view of the spine")

    response = front_desk_client.get(PICKER_URL)

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert b"Side view" not in response.content


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(PICKER_URL)

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/admin/login/")


def test_staff_with_only_the_view_image_permission_may_use_it(client):
    user = get_user_model().objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_image"))
    client.force_login(user)
    small_image("Side view of the spine")

    assert client.get(PICKER_URL).status_code == HTTPStatus.OK


def test_search_matches_every_word_in_alt_text_or_caption(clinician_client):
    small_image("Side view of the lower spine", caption="Where the facet joints sit")
    small_image("Ice pack on the lower back")
    small_image("Knee x-ray", caption="Facet-free")

    def alts(query):
        response = clinician_client.get(PICKER_URL, {"q": query})
        return sorted(entry["alt"] for entry in response.json()["results"])

    assert alts("lower") == ["Ice pack on the lower back", "Side view of the lower spine"]
    assert alts("FACET joints") == ["Side view of the lower spine"]
    assert alts("spine ice") == []
    assert len(alts("")) == 3


def test_list_is_capped_newest_first_and_says_there_is_more(clinician_client, monkeypatch):
    monkeypatch.setattr(ImageAdmin, "picker_limit", 2)
    small_image("First upload")
    small_image("Second upload")
    small_image("Third upload")

    data = clinician_client.get(PICKER_URL).json()

    assert [entry["alt"] for entry in data["results"]] == ["Third upload", "Second upload"]
    assert data["more"] is True


def test_default_cap_keeps_the_answer_small():
    assert 12 <= ImageAdmin.picker_limit <= 50


def test_decorative_images_are_offered_with_empty_alt(clinician_client):
    small_image("A leaf pattern", decorative=True)

    entry = clinician_client.get(PICKER_URL).json()["results"][0]

    assert entry["decorative"] is True and entry["alt"] == ""


def test_picker_queries_do_not_grow_with_the_number_of_images(
    clinician_client, django_assert_max_num_queries
):
    for number in range(5):
        small_image(f"Picture {number}")

    with django_assert_max_num_queries(8):
        clinician_client.get(PICKER_URL)


def test_article_editor_carries_the_picker_address_and_script(clinician_client):
    html = clinician_client.get("/admin/education/article/add/").content.decode()

    assert f'data-image-picker-url="{PICKER_URL}"' in html
    assert "education/image_picker.js" in html
    assert "education/image_picker.css" in html
