"""Diagrams drawn for the starter articles, added to the image library as the starter
library is loaded (education/demo.py).

Each diagram in education/starter/diagrams/index.toml is an SVG drawn for this site,
the PNG rendered from it, and the words that go with it (alt text, caption, credit).
A starter article places one with a paragraph of its own, ``<p>[diagram facet-joints]</p>``;
loading the article turns that into the library image's marker, ``[image N]``, adding
the image to the library the first time. The image's files are named after the
diagram and a digest of its PNG, so loading again finds the same image (never a
second copy), and a redrawn diagram comes in as a new image.

After editing an SVG, render the PNGs again (Playwright and Debian's Chromium):
``.venv/bin/python -m education.starter_diagrams``.
"""

import hashlib
import re
import tomllib
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile

from education.starter import STARTER_DIR

DIAGRAMS_DIR = STARTER_DIR / "diagrams"
MARKER = re.compile(r"<p>\s*\[diagram ([a-z0-9-]{1,60})\]\s*</p>")


def diagrams():
    """{slug: {"slug", "alt", "caption", "credit"}} from index.toml."""
    index = tomllib.loads((DIAGRAMS_DIR / "index.toml").read_text(encoding="utf-8"))
    return {entry["slug"]: entry for entry in index["diagram"]}


def png_of(slug):
    return (DIAGRAMS_DIR / f"{slug}.png").read_bytes()


def file_key(slug, data):
    """The name the diagram's files are stored under: the same for the same picture."""
    return f"starter-{slug}-{hashlib.sha256(data).hexdigest()[:12]}"


def diagram_image(slug, *, create=True):
    """The library image of this diagram: found by its files' name, else (with
    `create`) added with its alt text, caption and credit; None if absent and not
    created."""
    from education.images import UPLOAD_DIR, Image  # a model: not at import (render_pngs)

    known = diagrams()
    if slug not in known:
        raise ValueError(f"No starter diagram {slug!r}; the diagrams are {sorted(known)}")
    data = png_of(slug)
    key = file_key(slug, data)
    image = Image.objects.filter(file__startswith=f"{UPLOAD_DIR}/{key}").order_by("pk").first()
    if image is None and create:
        diagram = known[slug]
        image = Image(
            file=SimpleUploadedFile(f"{slug}.png", data, content_type="image/png"),
            alt=diagram["alt"],
            caption=diagram.get("caption", ""),
            credit=diagram.get("credit", ""),
        )
        image.file_key = key
        image.clean_fields(exclude=["file"])
        # The renditions, made once per process: the same PNG always gives the same
        # ones, and making them is most of the time a load of the library takes.
        image.prepared_upload = (image.file.file, renditions_of(slug, key))
        image.save()
    return image


@cache
def renditions_of(slug, key):
    """prepare_upload() of the diagram's PNG (key: its digest, so a redrawn PNG is
    prepared afresh)."""
    from education.images import prepare_upload

    return prepare_upload(SimpleUploadedFile(f"{slug}.png", png_of(slug)))


def place_diagrams(html, *, create=True):
    """Article HTML with each ``[diagram slug]`` paragraph as its library image's
    marker paragraph. Without `create`, a diagram not yet in the library keeps its
    diagram marker (so the text differs from what loading it would store)."""

    def replace(match):
        image = diagram_image(match.group(1), create=create)
        return f"<p>{image.marker}</p>" if image else match.group(0)

    return MARKER.sub(replace, html)


def place_article_diagrams(article):
    """Put the library's diagrams in a starter article's body (before it is saved)."""
    article.body = place_diagrams(article.body)


def render_pngs():
    """Each SVG rendered to the PNG beside it, at the SVG's own size, by Chromium."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    args.append("--host-resolver-rules=MAP * ~NOTFOUND")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        for slug in diagrams():
            svg = (DIAGRAMS_DIR / f"{slug}.svg").read_text(encoding="utf-8")
            width, height = map(int, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_content(f"<!doctype html><body style='margin:0'>{svg}</body>")
            page.screenshot(
                path=str(DIAGRAMS_DIR / f"{slug}.png"),
                clip={"x": 0, "y": 0, "width": width, "height": height},
            )
            print(f"{slug}.png")
        browser.close()


if __name__ == "__main__":
    render_pngs()
