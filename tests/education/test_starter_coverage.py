"""The starter library covers what a pain practice is asked about (issue 14).

File-only checks on education/starter/: no database needed.
"""

import re

import pytest

from education.readability import plain_text
from education.starter import load_starter_library

TOPICS, ARTICLES = load_starter_library()
BY_SLUG = {article["slug"]: article for article in ARTICLES}

# Subject: (slug, words its title must use).
SUBJECTS = {
    "sciatica and pinched nerves": ("sciatica", ["sciatica", "pinched nerve"]),
    "herniated disc": ("herniated-disc", ["herniated disc"]),
    "spinal stenosis": ("spinal-stenosis", ["spinal stenosis"]),
    "epidural steroid injections": ("epidural-steroid-injections", ["epidural steroid"]),
    "radiofrequency ablation": ("radiofrequency-ablation", ["radiofrequency ablation"]),
    "medial branch blocks": ("medial-branch-blocks", ["medial branch block"]),
    "SI joint pain": ("si-joint-pain", ["sacroiliac", "si"]),
    "neck pain": ("neck-pain", ["neck pain"]),
    "spinal cord stimulation": ("spinal-cord-stimulation", ["spinal cord stimulation"]),
    "nerve pain": ("nerve-pain", ["nerve pain", "neuropathy"]),
    "medicines without opioids": ("pain-medicines-without-opioids", ["without opioids"]),
    "the first visit": ("first-visit", ["first visit"]),
    "getting ready for a procedure": ("preparing-for-a-procedure", ["get ready", "procedure"]),
    # The topics the clinical review found missing (issue 30).
    "opioid safety": ("opioid-safety", ["opioid", "safely"]),
    "psychological care": ("coping-skills-for-long-lasting-pain", ["coping", "therapy"]),
    "knee and hip arthritis": ("knee-and-hip-arthritis", ["knee", "hip", "joint injections"]),
    "headache and occipital nerve blocks": (
        "headache-and-occipital-nerve-blocks",
        ["migraine", "occipital nerve block"],
    ),
    "fibromyalgia": ("fibromyalgia", ["fibromyalgia"]),
    "compression fractures": ("vertebral-compression-fractures", ["compression fracture"]),
    "CRPS": ("complex-regional-pain-syndrome", ["complex regional pain syndrome"]),
    "myofascial pain": ("myofascial-pain-and-trigger-points", ["myofascial", "trigger point"]),
    "pain after spine surgery and pumps": (
        "pain-after-spine-surgery-and-pain-pumps",
        ["after spine surgery", "pain pumps"],
    ),
    "clinic policies": (
        "clinic-policies-for-pain-care",
        ["medication agreements", "urine drug tests", "sedation"],
    ),
}


def test_the_library_has_at_least_sixteen_articles():
    assert len(ARTICLES) >= 16


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_library_covers_the_subject(subject):
    slug, title_words = SUBJECTS[subject]

    assert slug in BY_SLUG
    title = BY_SLUG[slug]["title"].lower()
    for words in title_words:
        assert words in title, (slug, words)


@pytest.mark.parametrize("article", ARTICLES, ids=[a["slug"] for a in ARTICLES])
def test_the_slug_is_short_and_readable(article):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", article["slug"])
    assert len(article["slug"]) <= 60


@pytest.mark.parametrize("article", ARTICLES, ids=[a["slug"] for a in ARTICLES])
def test_no_article_promises_a_cure_or_a_success_rate(article):
    text = plain_text(article["body"]).lower()

    for claim in ("guarantee", "success rate", "cures ", "will cure", "100"):
        assert claim not in text, (article["slug"], claim)


def test_radiofrequency_ablation_comes_after_a_block_that_clearly_helped():
    text = plain_text(BY_SLUG["radiofrequency-ablation"]["body"]).lower()

    assert "medial branch block" in text
    assert re.search(r"block clearly eases", text)


def test_muscle_relaxants_are_short_term_and_best_avoided_by_older_adults():
    text = plain_text(BY_SLUG["pain-medicines-without-opioids"]["body"]).lower()

    assert "short time" in text and "not a long-term answer" in text
    assert "older adults should avoid" in text
