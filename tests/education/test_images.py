"""The image library (issue 13): uploads checked and cleaned, renditions made once, the
pictures in articles, the feed and JSON-LD, the sanitiser keeping library images only."""

import os
import re
from http import HTTPStatus
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image as PILImage

from education import images
from education.images import Image
from education.sanitize import clean_article_html
from tests.education.conftest import make_article
from tests.education.images_helpers import make_image, picture_bytes, upload

pytestmark = pytest.mark.django_db

GPS_TAG = 0x8825
ADD_URL = "/admin/education/image/add/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_URL = "/media/"
    return tmp_path / "media"


def stored_files(root):
    return sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
    )


def exif_with_gps():
    exif = PILImage.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif[GPS_TAG] = {1: "N", 2: (40.0, 0.0, 0.0), 3: "W", 4: (83.0, 0.0, 0.0)}
    return exif


# Uploads: only real images, within limits, cleaned.


def post_image(client, file, **fields):
    data = {"file": file, "alt": "A diagram of the spine", "caption": "", "credit": ""}
    data.update(fields)
    return client.post(ADD_URL, data)


def test_clinician_uploads_an_image_through_the_admin(clinician_client, media_root):
    response = post_image(clinician_client, upload())

    assert response.status_code == HTTPStatus.FOUND
    image = Image.objects.get()
    assert (image.width, image.height, image.format) == (1600, 1000, "JPEG")
    # Cleaned original + 3 widths in WebP and JPEG, under random names.
    assert len(stored_files(media_root)) == 7
    assert "spine" not in " ".join(stored_files(media_root))
    assert re.fullmatch(r"education/images/[0-9a-f]{32}\.jpg", image.file.name)


def test_text_renamed_jpg_is_refused_with_a_form_error(clinician_client, media_root):
    response = post_image(clinician_client, upload("photo.jpg", data=b"<html>not an image</html>"))

    assert response.status_code == HTTPStatus.OK
    assert "not a JPEG, PNG or WebP image" in response.content.decode()
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "data",
    [
        picture_bytes(fmt="GIF"),
        picture_bytes(fmt="BMP"),
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        picture_bytes()[:300],  # truncated JPEG
    ],
    ids=["gif", "bmp", "svg", "truncated"],
)
def test_other_formats_and_broken_files_are_refused(data):
    with pytest.raises(ValidationError, match="not a JPEG, PNG or WebP"):
        images.read_upload(upload("x.png", data=data))


def test_decompression_bomb_is_a_form_error_not_a_500(clinician_client, settings):
    # 9000 x 9000 = 81 megapixels in a PNG of a few hundred KB.
    bomb = picture_bytes(9000, 9000, fmt="PNG", color=(0, 0, 0))
    assert len(bomb) < settings.IMAGE_UPLOAD_MAX_BYTES

    response = post_image(clinician_client, upload("bomb.png", data=bomb))

    assert response.status_code == HTTPStatus.OK
    assert "too large in pixels" in response.content.decode()
    assert not Image.objects.exists()


def test_pillow_own_bomb_limit_is_a_validation_error_too(monkeypatch):
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValidationError, match="too large in pixels"):
        images.read_upload(upload(data=picture_bytes(100, 100)))


def test_oversize_file_is_refused(settings, clinician_client):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000

    response = post_image(clinician_client, upload())

    assert response.status_code == HTTPStatus.OK
    assert "the limit is 0 MB" in response.content.decode()
    assert not Image.objects.exists()


def test_alt_text_is_required_unless_marked_decorative(clinician_client):
    response = post_image(clinician_client, upload(), alt="  ")

    assert response.status_code == HTTPStatus.OK
    assert "Describe the picture for someone who cannot see it" in response.content.decode()
    assert not Image.objects.exists()

    response = post_image(clinician_client, upload(), alt="", decorative="on")

    assert response.status_code == HTTPStatus.FOUND
    image = Image.objects.get()
    assert image.decorative and image.alt == ""
    assert 'alt=""' in image.picture()


def test_exif_and_gps_are_stripped_and_orientation_applied(media_root):
    image = make_image(exif=exif_with_gps(), width=1600, height=1000)

    # Orientation 6 means the picture is shown turned: stored upright, so portrait.
    assert (image.width, image.height) == (1000, 1600)
    for name in stored_files(media_root):
        with PILImage.open(media_root / name) as stored:
            exif = stored.getexif()
            assert GPS_TAG not in exif, name
            assert not exif, name
            assert "exif" not in stored.info, name
        with open(media_root / name, "rb") as f:
            assert b"PhoneMaker" not in f.read(), name


def test_png_and_webp_uploads_keep_their_format(media_root):
    png = make_image(fmt="PNG", width=500, height=300)
    webp = make_image(fmt="WEBP", width=500, height=300)

    assert {r["format"] for r in png.renditions} == {"WEBP", "PNG"}
    assert {r["format"] for r in webp.renditions} == {"WEBP"}
    # Never wider than the upload: 400 and the original 500.
    assert sorted({r["width"] for r in png.renditions}) == [400, 500]


def test_file_of_a_stored_image_cannot_be_replaced_in_the_admin(clinician_client):
    image = make_image()

    response = clinician_client.get(f"/admin/education/image/{image.pk}/change/")

    assert response.status_code == HTTPStatus.OK
    assert 'type="file"' not in response.content.decode()
    assert f"[image {image.pk}]" in response.content.decode()


def test_deleting_an_image_removes_its_files(media_root, django_capture_on_commit_callbacks):
    image = make_image()
    assert stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        image.delete()

    assert stored_files(media_root) == []


# Renditions: made once, at upload, never on a view.


def test_renditions_are_made_at_upload_and_never_when_pages_are_viewed(client, media_root):
    with mock.patch.object(images, "make_renditions", wraps=images.make_renditions) as made:
        image = make_image()
        article = make_article(lead_image=image, body=f"<p>Intro.</p><p>[image {image.pk}]</p>")
        assert made.call_count == 1
        files = stored_files(media_root)

        for url in (article.get_absolute_url(), "/articles/", "/", "/articles/feed/"):
            assert client.get(url).status_code == HTTPStatus.OK
        image.alt = "New words"
        image.save()

    assert made.call_count == 1
    assert stored_files(media_root) == files


# Pages.


@pytest.fixture
def illustrated():
    lead = make_image("Side view of the lower spine")
    inline = make_image("Needle placement near a facet joint", fmt="PNG", width=900, height=600)
    article = make_article(
        lead_image=lead,
        body=f"<p>Intro.</p><p>[image {inline.pk}]</p><p>More text.</p>",
    )
    return article, lead, inline


def test_article_page_shows_the_lead_image_eager_and_body_images_lazy(client, illustrated):
    article, _, _ = illustrated

    html = client.get(article.get_absolute_url()).content.decode()

    imgs = re.findall(r"<img [^>]*>", html)
    lead_img = next(tag for tag in imgs if 'alt="Side view of the lower spine"' in tag)
    body_img = next(tag for tag in imgs if 'alt="Needle placement near a facet joint"' in tag)
    assert 'width="1200" height="750"' in lead_img
    assert 'loading="lazy"' not in lead_img and 'fetchpriority="high"' in lead_img
    assert 'loading="lazy"' in body_img and 'width="900" height="600"' in body_img
    assert re.search(r'srcset="/media/education/images/\w+-400\.jpg 400w, [^"]*800w', lead_img)
    assert 'sizes="' in lead_img
    assert '<source type="image/webp" srcset="/media/education/images/' in html
    assert "[image" not in html
    assert html.index("Side view") < html.index("Intro.") < html.index("Needle placement")


def test_cards_show_lead_images_lazily(client, illustrated):

    html = client.get("/articles/").content.decode()

    card_img = next(tag for tag in re.findall(r"<img [^>]*>", html) if "Side view" in tag)
    assert 'loading="lazy"' in card_img and "card-img-top" in card_img
    assert 'width="1200" height="750"' in card_img


def test_article_page_with_images_stays_within_the_query_budget(client, illustrated):
    article, _, _ = illustrated
    url = article.get_absolute_url()
    client.get(url)

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
        list_queries = len(queries)
    with CaptureQueriesContext(connection) as list_capture:
        client.get("/articles/")

    assert list_queries <= 4
    assert len(list_capture) <= 4


def test_feed_and_json_ld_use_an_absolute_rendition_url(client, illustrated):
    article, lead, _ = illustrated
    expected = "https://clinic.example.org" + lead.url(1200)

    data = article.structured_data("u", "h")
    assert data["image"]["url"] == expected
    feed = client.get("/articles/feed/").content.decode()
    enclosure = re.search(r"<enclosure [^>]*>", feed).group(0)
    assert re.search(
        r'url="https://clinic\.example\.org/media/education/images/\w+-800\.jpg"', enclosure
    )
    assert re.search(r'length="[1-9]\d*"', enclosure) and 'type="image/jpeg"' in enclosure
    page = client.get(article.get_absolute_url()).content.decode()
    assert f'<meta property="og:image" content="{expected}">' in page


# The sanitiser: pictures from the library only.


def test_sanitiser_keeps_library_images_only():
    image = make_image()
    dirty = (
        f'<p>Intro <img data-image-id="{image.pk}" src="https://evil.example/x.png" '
        f'onerror="alert(1)"> more</p>'
        '<img src="https://tracker.example/pixel.gif">'
        '<img data-image-id="999999">'
        "<p>[image 424242]</p>"
        '<img data-image-id="1 onerror=alert(1)">'
    )

    cleaned = clean_article_html(dirty, library=images.existing_ids)

    assert cleaned == f"<p>Intro </p><p>[image {image.pk}]</p><p> more</p>"


def test_saved_article_keeps_only_library_images():
    image = make_image()
    article = make_article(body=f'<p>A</p><img data-image-id="{image.pk}"><img src="/x.png">')

    article.refresh_from_db()
    assert article.body == f"<p>A</p><p>[image {image.pk}]</p>"


def test_marker_of_a_deleted_image_renders_nothing(client):
    image = make_image()
    article = make_article(body=f"<p>A</p><p>[image {image.pk}]</p><p>B</p>")
    image.delete()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "[image" not in html and "<picture>" not in html


def test_image_admin_is_searchable_and_shows_where_each_image_is_used(clinician_client):
    image = make_image("Facet joint injection diagram")
    other = make_image("Knee x-ray")
    make_article("Lead user", lead_image=image)
    make_article("Body user", body=f"<p>x</p><p>[image {image.pk}]</p>")

    listing = clinician_client.get("/admin/education/image/?q=facet").content.decode()
    change = clinician_client.get(f"/admin/education/image/{image.pk}/change/").content.decode()

    assert "Facet joint injection diagram" in listing and "Knee x-ray" not in listing
    assert "Lead user</a> (lead image)" in change
    assert "Body user</a> (in the text)" in change
    assert other.pk


def test_front_desk_cannot_open_the_image_library(front_desk_client):
    assert front_desk_client.get("/admin/education/image/").status_code == HTTPStatus.FORBIDDEN
    assert front_desk_client.get(ADD_URL).status_code == HTTPStatus.FORBIDDEN


def test_read_upload_does_not_trust_the_name():
    image, fmt = images.read_upload(upload("notes.txt", data=picture_bytes(fmt="PNG")))
    assert fmt == "PNG"
    assert isinstance(image, PILImage.Image)
