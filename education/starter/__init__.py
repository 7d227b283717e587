"""The starter library: topics and articles shipped with the site (index.toml + bodies)."""

import tomllib
from pathlib import Path

STARTER_DIR = Path(__file__).resolve().parent


def load_starter_library():
    """Return (topics, articles) as dicts; each article carries its HTML body."""
    index = tomllib.loads((STARTER_DIR / "index.toml").read_text(encoding="utf-8"))
    articles = []
    for entry in index["article"]:
        body = (STARTER_DIR / f"{entry['slug']}.html").read_text(encoding="utf-8")
        articles.append({**entry, "body": body})
    return index["topic"], articles
