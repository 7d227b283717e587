"""The article on clinic policies (medication agreements, urine drug tests, sedation),
added for issue 30: the same safety rules as the rest of the library, in English and
Spanish.

File-only checks on education/starter/: no database needed.
"""

import re

import pytest

from education.readability import fernandez_huerta, grade_level, plain_text
from education.starter import load_starter_library

TOPICS, ARTICLES = load_starter_library()
ES_TOPICS, ES_ARTICLES = load_starter_library("es")
BY_SLUG = {article["slug"]: article for article in ARTICLES}
ES_BY_ORIGINAL = {article["translation_of"]: article for article in ES_ARTICLES}

NEW_SLUGS = ["clinic-policies-for-pain-care"]
# The new articles that describe a procedure the patient gets ready for.
PROCEDURE_SLUGS = ["clinic-policies-for-pain-care"]
NEW = [BY_SLUG[slug] for slug in NEW_SLUGS]
NEW_ES = [ES_BY_ORIGINAL[slug] for slug in NEW_SLUGS]

BLOCK = re.compile(r"<(p|li|h[23])\b[^>]*>(.*?)</\1>", re.DOTALL)
LANGUAGE = {
    "en": {
        "emergency": re.compile(r"\b911\b|emergency room", re.IGNORECASE),
        "fever": re.compile(r"\bfever\b", re.IGNORECASE),
        "after": re.compile(
            r"\b(shot|injection|needle|block|procedure|treatment|surgery|wound|pump)s?\b",
            re.IGNORECASE,
        ),
        "urgent": "right away",
    },
    "es": {
        "emergency": re.compile(r"\b911\b|sala de emergencias", re.IGNORECASE),
        "fever": re.compile(r"\bfiebre\b", re.IGNORECASE),
        "after": re.compile(
            r"\b(inyecci[oó]n|aguja|bloqueo|procedimiento|tratamiento|cirug[ií]a|herida|bomba)",
            re.IGNORECASE,
        ),
        "urgent": "de inmediato",
    },
}


def ids(articles):
    return [article["slug"] for article in articles]


def blocks_with_lead_in(body):
    """Each paragraph or list item as (its text, the paragraph that introduces its list)."""
    lead_in = ""
    for match in BLOCK.finditer(body):
        tag, text = match.group(1), plain_text(match.group(2))
        if tag == "li":
            yield text, lead_in
        else:
            yield text, ""
            lead_in = text if tag == "p" else ""


BOTH = [pytest.param(a, "en", id=a["slug"]) for a in NEW] + [
    pytest.param(a, "es", id=a["slug"]) for a in NEW_ES
]


def test_every_new_article_has_its_spanish_original_pair():
    assert len(NEW_ES) == len(NEW)


@pytest.mark.parametrize("article", NEW, ids=ids(NEW))
def test_new_article_reads_at_grade_8_or_lower(article):
    assert grade_level(plain_text(article["body"])) <= 8


@pytest.mark.parametrize("article", NEW_ES, ids=ids(NEW_ES))
def test_new_spanish_article_reads_fairly_easy(article):
    assert fernandez_huerta(plain_text(article["body"])) >= 70


@pytest.mark.parametrize(("article", "language"), BOTH)
def test_every_fever_after_a_procedure_goes_to_911_or_the_emergency_room(article, language):
    words = LANGUAGE[language]
    for text, lead_in in blocks_with_lead_in(article["body"]):
        if words["fever"].search(text) and words["after"].search(text + " " + lead_in):
            assert words["emergency"].search(text + " " + lead_in), (article["slug"], text)


@pytest.mark.parametrize(("article", "language"), BOTH)
def test_warning_signs_are_bullets_not_long_sentences(article, language):
    words = LANGUAGE[language]
    for text, _ in blocks_with_lead_in(article["body"]):
        for sentence in re.split(r"(?<=[.?!])\s+", text):
            if words["emergency"].search(sentence) or words["urgent"] in sentence:
                assert len(sentence.split()) <= 25, sentence


@pytest.mark.parametrize(("article", "language"), BOTH)
def test_new_article_sends_infection_or_nerve_signs_to_the_emergency_room(article, language):
    listed = " ".join(
        text
        for text, lead_in in blocks_with_lead_in(article["body"])
        if LANGUAGE[language]["emergency"].search(lead_in)
    ).lower()
    signs = {
        "en": ("fever", "stiff neck", "severe headache", "weakness", "numbness", "bladder"),
        "es": ("fiebre", "rigidez en el cuello", "dolor de cabeza fuerte", "debilidad", "vejiga"),
    }[language]
    for sign in signs:
        assert sign in listed, (article["slug"], sign)


@pytest.mark.parametrize("slug", PROCEDURE_SLUGS)
def test_procedure_gives_the_blood_thinner_lead_time_and_names_the_drugs(slug):
    text = plain_text(BY_SLUG[slug]["body"])
    assert re.search(r"as soon as the [a-z ]+ is planned", text)
    assert "5 to 7 days" in text
    for drug in ("aspirin", "clopidogrel", "apixaban", "warfarin"):
        assert drug in text.lower(), drug
    assert re.search(r"do not stop it unless the doctor who prescribed it", text, re.IGNORECASE)

    spanish = plain_text(ES_BY_ORIGINAL[slug]["body"]).lower()
    assert "en cuanto se planee" in spanish and "de 5 a 7 días" in spanish
    assert "anticoagulante o un antiagregante" in spanish
    for drug in ("aspirina", "clopidogrel", "apixabán", "warfarina"):
        assert drug in spanish, drug
    assert "no lo deje de tomar a menos que el médico que se lo recetó" in spanish


@pytest.mark.parametrize("slug", PROCEDURE_SLUGS)
def test_procedure_with_medicine_to_relax_warns_about_weekly_glp1_shots(slug):
    text = plain_text(BY_SLUG[slug]["body"]).lower()
    spanish = plain_text(ES_BY_ORIGINAL[slug]["body"]).lower()
    if not re.search(r"help (you|them) relax", text):
        pytest.skip("no sedation in this article")

    assert "semaglutide" in text and "tirzepatide" in text and "skip a dose" in text
    assert "semaglutida" in spanish and "tirzepatida" in spanish and "saltarse una dosis" in spanish


def test_clinic_policies_cover_agreements_urine_tests_fasting_and_the_driver():
    text = plain_text(BY_SLUG["clinic-policies-for-pain-care"]["body"]).lower()

    assert "medication agreement" in text and "urine" in text
    assert "a test result alone is not a reason to end your care" in text
    # ASA fasting times for healthy adults: clear liquids 2 h, light meal 6 h, fatty 8 h.
    assert re.search(r"clear liquids are fine until 2 hours before", text)
    assert "6 hours" in text and "8 hours" in text
    assert "an adult you know must take you home" in text
    assert "insulin" in text and "diabetes pills" in text
