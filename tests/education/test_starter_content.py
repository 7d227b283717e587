"""What the starter articles must (and must not) tell patients (issue 18).

File-only checks on education/starter/: no database needed.
"""

import re

import pytest

from education.readability import plain_text
from education.starter import load_starter_library

TOPICS, ARTICLES = load_starter_library()
BY_SLUG = {article["slug"]: article for article in ARTICLES}

EMERGENCY_SLUG = "when-back-or-neck-pain-is-an-emergency"
EMERGENCY_HREF = f'href="/articles/{EMERGENCY_SLUG}/"'
INJECTION_SLUG = "what-to-expect-from-a-facet-joint-injection"
LIVING_SLUG = "living-with-back-pain"

OTHER_ARTICLES = [article for article in ARTICLES if article["slug"] != EMERGENCY_SLUG]


def ids(articles):
    return [article["slug"] for article in articles]


def text_of(article):
    """The body as a patient reads it: no tags, entities decoded."""
    return plain_text(article["body"])


def sections(article):
    """The body split at each h2: a caveat belongs in the section that needs it."""
    return [plain_text(part) for part in re.split(r"<h2[\s>]", article["body"])]


def sections_mentioning(word):
    return [
        pytest.param(section, id=f"{article['slug']}-section-{number}")
        for article in ARTICLES
        for number, section in enumerate(sections(article))
        if word in section.lower()
    ]


EPIDURAL_SECTIONS = sections_mentioning("epidural")
OPIOID_SECTIONS = sections_mentioning("opioid")

PERCENTAGE = re.compile(r"%|\bper\s*cent", re.IGNORECASE)
# Pain from a pinched nerve that spreads into a limb.
PINCHED_NERVE = re.compile(r"pinched nerve", re.IGNORECASE)
LIMB = re.compile(r"\b(leg|arm)\b", re.IGNORECASE)
# "Never stop it suddenly", "do not stop ... all at once", and so on.
DONT_STOP_SUDDENLY = re.compile(
    r"\b(never|do not|don\u2019t|don't)\s+stop\b"
    r"[^.]*\b(suddenly|all at once|abruptly|cold turkey)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("article", ARTICLES, ids=ids(ARTICLES))
def test_starter_article_prints_no_percentage(article):
    for field, text in [
        ("title", article["title"]),
        ("summary", article["summary"]),
        ("body", text_of(article)),
    ]:
        match = PERCENTAGE.search(text)
        assert not match, f"{article['slug']} {field}: {text[max(0, match.start() - 60) :]}"


@pytest.mark.parametrize(
    "corrected_claim",
    ["six weeks", "dense bone", "have not been found to work", "closer look", "75"],
)
@pytest.mark.parametrize("article", ARTICLES, ids=ids(ARTICLES))
def test_starter_article_does_not_repeat_a_corrected_claim(article, corrected_claim):
    assert corrected_claim not in text_of(article).lower()


@pytest.mark.parametrize("article", ARTICLES, ids=ids(ARTICLES))
def test_starter_article_lists_at_least_one_source(article):
    sources = article.get("sources", [])

    assert isinstance(sources, list)
    assert [source for source in sources if isinstance(source, str) and source.strip()]


@pytest.mark.parametrize("article", ARTICLES, ids=ids(ARTICLES))
def test_starter_article_lists_two_to_five_sources(article):
    assert 2 <= len(article.get("sources", [])) <= 5


@pytest.mark.parametrize("article", ARTICLES, ids=ids(ARTICLES))
def test_starter_article_sources_read_publisher_title_year(article):
    for source in article.get("sources", []):
        assert re.fullmatch(r"[^.]+\. .+\. .*\b(19|20)\d\d\.", source), source
        assert "http" not in source


def test_emergency_article_is_in_the_library():
    assert EMERGENCY_SLUG in BY_SLUG
    assert BY_SLUG[EMERGENCY_SLUG]["title"] == "When back or neck pain needs help right away"


def test_emergency_article_topics_exist():
    topic_slugs = {topic["slug"] for topic in TOPICS}

    assert set(BY_SLUG[EMERGENCY_SLUG]["topics"]) <= topic_slugs


@pytest.mark.parametrize("number", ["911", "988"])
def test_emergency_article_gives_the_number_to_call(number):
    assert re.search(rf"\b{number}\b", text_of(BY_SLUG[EMERGENCY_SLUG]))


@pytest.mark.parametrize("warning_sign", ["bladder", "groin", "weakness", "fever"])
def test_emergency_article_names_the_warning_sign(warning_sign):
    assert warning_sign in text_of(BY_SLUG[EMERGENCY_SLUG]).lower()


def test_emergency_article_sends_thoughts_of_self_harm_to_988():
    text = text_of(BY_SLUG[EMERGENCY_SLUG])

    assert re.search(r"call or text\W+988", text, re.IGNORECASE)


INJECTION_AFTERCARE = {
    "driver": r"\bdriver\b|drive you home",
    "blood thinners": r"blood thinner",
    "blood sugar": r"blood sugar",
    "diabetes": r"diabetes",
    "numbing medicine wears off within hours": (
        r"numbing medicine[^.]*\.?[^.]*wears? off within (a few )?hours"
    ),
    "when to call": r"when to call",
    "fever": r"\bfever\b",
    "redness or swelling": r"redness or swelling",
    "severe headache": r"severe headache",
    "new weakness": r"new weakness",
}


@pytest.mark.parametrize("pattern", INJECTION_AFTERCARE.values(), ids=INJECTION_AFTERCARE.keys())
def test_injection_article_covers_aftercare_item(pattern):
    assert re.search(pattern, text_of(BY_SLUG[INJECTION_SLUG]), re.IGNORECASE)


def test_injection_article_says_not_to_stop_blood_thinners_on_your_own():
    text = text_of(BY_SLUG[INJECTION_SLUG])

    assert re.search(r"do not stop it unless the doctor who prescribed it", text, re.IGNORECASE)


def test_injection_article_names_radiofrequency_ablation_as_the_next_step():
    assert "radiofrequency ablation" in text_of(BY_SLUG[INJECTION_SLUG]).lower()


def test_some_starter_article_discusses_epidural_injections():
    # Keeps the caveat test below from passing on an empty list.
    assert EPIDURAL_SECTIONS


@pytest.mark.parametrize("section", EPIDURAL_SECTIONS)
def test_section_mentioning_epidurals_limits_them_to_pinched_nerve_pain_in_a_limb(section):
    assert PINCHED_NERVE.search(section) and LIMB.search(section), section


def test_some_starter_article_discusses_opioids():
    # Keeps the warning test below from passing on an empty list.
    assert OPIOID_SECTIONS


@pytest.mark.parametrize("section", OPIOID_SECTIONS)
def test_section_mentioning_opioids_warns_never_to_stop_them_suddenly(section):
    assert DONT_STOP_SUDDENLY.search(section), section


@pytest.mark.parametrize("article", OTHER_ARTICLES, ids=ids(OTHER_ARTICLES))
def test_starter_article_links_to_the_emergency_article_once(article):
    assert article["body"].count(EMERGENCY_HREF) == 1


def test_living_with_back_pain_gives_the_crisis_line_and_911():
    text = text_of(BY_SLUG[LIVING_SLUG])

    assert re.search(r"call or text\W+988", text, re.IGNORECASE)
    assert re.search(r"\b911\b", text)


def test_every_mention_of_nice_gives_its_scope_back_pain_without_sciatica():
    """NICE advises against these injections for back pain without sciatica (NG59),
    not for all low back pain: a patient with leg pain must not read it as a ban."""
    mentions = [
        sentence
        for article in ARTICLES
        for sentence in re.split(r"(?<=\.)\s+", text_of(article))
        if re.search(r"\bNICE\b", sentence)
    ]

    assert mentions
    for sentence in mentions:
        assert "without sciatica" in sentence, sentence
