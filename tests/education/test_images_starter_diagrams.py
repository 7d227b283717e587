"""The starter articles' diagrams (issue 13): drawn in the repo, loaded into the image
library with the starter library, once."""

import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from PIL import Image as PILImage

from education.demo import seed_education
from education.images import Image
from education.models import Article
from education.starter import load_starter_library
from education.starter_diagrams import DIAGRAMS_DIR, MARKER, diagrams, place_diagrams

TOPICS, ARTICLES = load_starter_library()
# The English articles' diagrams, and the Spanish drawings of them (issue 30).
USED = {
    slug: article["slug"]
    for article in ARTICLES + load_starter_library("es")[1]
    for slug in MARKER.findall(article["body"])
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEDIA_URL = "/media/"


# The files: no database.


def test_facet_joint_article_shows_where_the_facet_joints_are():
    assert USED["facet-joints"] == "facet-joints-explained"


def test_every_diagram_marker_names_a_diagram_and_every_diagram_is_used():
    assert set(USED) == set(diagrams())


@pytest.mark.parametrize("slug", sorted(diagrams()))
def test_each_diagram_has_its_drawing_a_png_and_real_words(slug):
    diagram = diagrams()[slug]
    svg = (DIAGRAMS_DIR / f"{slug}.svg").read_text()
    width, height = map(int, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    with PILImage.open(DIAGRAMS_DIR / f"{slug}.png") as png:
        assert png.format == "PNG" and png.size == (width, height)
    # Drawn here: no embedded pictures, fonts or links to anywhere else.
    assert "<image" not in svg and "href" not in svg.replace('xmlns="http://www.w3.org', "")
    assert 40 <= len(diagram["alt"]) <= 250 and not diagram["alt"].lower().startswith("image")
    assert diagram["caption"] and diagram["caption"] != diagram["alt"]
    assert diagram["credit"]


def test_a_diagram_marker_is_a_paragraph_of_its_own_in_the_starter_html():
    for article in ARTICLES:
        for line in article["body"].splitlines():
            if "[diagram" in line:
                assert MARKER.fullmatch(line.strip()), line


# Loading them.


@pytest.mark.django_db
def test_loading_the_starter_library_adds_each_diagram_once_and_places_it():
    call_command("load_starter_articles")
    call_command("load_starter_articles")
    seed_education(publish=True)

    images = {image.caption: image for image in Image.objects.all()}
    assert len(images) == Image.objects.count() == len(diagrams())
    for slug, article_slug in USED.items():
        diagram = diagrams()[slug]
        image = images[diagram["caption"]]
        assert image.alt == diagram["alt"] and not image.decorative
        assert image.credit == diagram["credit"]
        body = Article.objects.get(slug=article_slug).body
        assert f"<p>{image.marker}</p>" in body
        assert "[diagram" not in body


@pytest.mark.django_db
def test_loading_again_changes_nothing(capsys):
    call_command("load_starter_articles")
    capsys.readouterr()
    history = {a.pk: a.history.count() for a in Article.objects.all()}

    call_command("load_starter_articles")

    assert "0 untouched articles brought up to date" in capsys.readouterr().out
    assert {a.pk: a.history.count() for a in Article.objects.all()} == history


@pytest.mark.django_db
def test_a_clinicians_words_for_a_diagram_are_kept_and_no_copy_is_made():
    call_command("load_starter_articles")
    image = Image.objects.get(caption=diagrams()["facet-joints"]["caption"])
    image.alt = "Our own words for the facet joint drawing"
    image.save()

    call_command("load_starter_articles")

    assert Image.objects.count() == len(diagrams())
    image.refresh_from_db()
    assert image.alt == "Our own words for the facet joint drawing"


@pytest.mark.django_db
def test_a_deleted_diagram_comes_back_when_its_article_is_loaded_again():
    call_command("load_starter_articles")
    Image.objects.get(caption=diagrams()["si-joint"]["caption"]).delete()

    call_command("load_starter_articles")

    image = Image.objects.get(caption=diagrams()["si-joint"]["caption"])
    assert f"<p>{image.marker}</p>" in Article.objects.get(slug=USED["si-joint"]).body


@pytest.mark.django_db
def test_unknown_diagram_is_an_error_not_a_silent_gap():
    with pytest.raises(ValueError, match="No starter diagram 'knee'"):
        place_diagrams("<p>[diagram knee]</p>")


@pytest.mark.django_db
def test_facet_joint_article_page_shows_the_diagram_with_alt_text_and_caption(client):
    seed_education(publish=True)
    diagram = diagrams()["facet-joints"]

    response = client.get("/articles/facet-joints-explained/")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f'alt="{diagram["alt"]}"' in html
    assert diagram["caption"] in html
    assert 'loading="lazy"' in html.split(diagram["caption"])[0].rsplit("<figure", 1)[1]
