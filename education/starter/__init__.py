"""The starter library: topics and articles shipped with the site (index.toml + bodies).

English lives here; each other language in a folder of its own named by its code
(es/), whose topics and articles name their English original in ``translation_of``.
"""

import tomllib
from pathlib import Path

STARTER_DIR = Path(__file__).resolve().parent
# The languages with a starter library besides English, in the order they load.
TRANSLATIONS = ("es",)


def load_starter_library(language="en"):
    """Return (topics, articles) as dicts; each article carries its HTML body."""
    folder = STARTER_DIR if language == "en" else STARTER_DIR / language
    index = tomllib.loads((folder / "index.toml").read_text(encoding="utf-8"))
    articles = []
    for entry in index["article"]:
        body = (folder / f"{entry['slug']}.html").read_text(encoding="utf-8")
        articles.append({**entry, "body": body})
    return index["topic"], articles
