"""What the starter articles must (and must not) tell patients (issue 18).

File-only checks on education/starter/: no database needed.
"""

import re

import pytest

from education.readability import plain_text
from education.sources import parse_source
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


# Publishers whose pages change without notice: cited by address (issue 30).
WEB_PUBLISHERS = (
    "Mayo Clinic.",
    "NHS.",
    "Cleveland Clinic.",
    "American Academy of Orthopaedic",
    "NIAMS",
    "NIDDK",
    "SAMHSA.",
    "Agency for Healthcare",
    "NICE Clinical Knowledge",
)


@pytest.mark.parametrize("article", ARTICLES, ids=ids(ARTICLES))
def test_starter_article_sources_read_publisher_title_then_year_or_address(article):
    """A guideline or article ends with its year; a web page gives its address and
    when it was read (or that nobody has read it yet, which the review panel flags)."""
    for source in article.get("sources", []):
        parsed = parse_source(source)
        assert not parsed.problem, (source, parsed.problem)
        assert re.match(r"[^.]+\. .+\. ", source), source
        if source.startswith(WEB_PUBLISHERS):
            assert parsed.is_web_page, source
        else:
            assert parsed.year or parsed.is_web_page, source


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
    not for all low back pain: a patient with leg pain must not read it as a ban.
    Its other advice against (epidurals for the walking pain of a narrowed spine,
    issue 30) names that pain."""
    mentions = [
        sentence
        for article in ARTICLES
        for sentence in re.split(r"(?<=\.)\s+", text_of(article))
        if re.search(r"\bNICE\b", sentence)
    ]

    assert mentions
    for sentence in mentions:
        assert "without sciatica" in sentence or re.search(r"narrowed spine|walk", sentence), (
            sentence
        )


# Issue 30: the clinical review's high and medium findings, so none can come back.

# The articles about a procedure the patient gets ready for.
PROCEDURE_SLUGS = [
    "epidural-steroid-injections",
    "medial-branch-blocks",
    "radiofrequency-ablation",
    "spinal-cord-stimulation",
    "preparing-for-a-procedure",
    "what-to-expect-from-a-facet-joint-injection",
]
PROCEDURE_ARTICLES = [BY_SLUG[slug] for slug in PROCEDURE_SLUGS]
# Words that put a fever after a shot or procedure, not before it.
AFTER_A_PROCEDURE = re.compile(
    r"\b(shot|injection|needle|block|procedure|treatment|surgery|wound)s?\b", re.IGNORECASE
)
TO_EMERGENCY = re.compile(r"\b911\b|emergency room", re.IGNORECASE)
BLOCK = re.compile(r"<(p|li|h[23])\b[^>]*>(.*?)</\1>", re.DOTALL)


def blocks_with_lead_in(body):
    """Each paragraph or list item as (its text, the paragraph before its list): a
    list item is read with the sentence that introduces the list."""
    lead_in = ""
    for match in BLOCK.finditer(body):
        tag, text = match.group(1), plain_text(match.group(2))
        if tag == "li":
            yield text, lead_in
        else:
            yield text, ""
            lead_in = text if tag == "p" else ""


def fever_after_a_procedure(body):
    return [
        (text, lead_in)
        for text, lead_in in blocks_with_lead_in(body)
        if re.search(r"\bfever\b", text, re.IGNORECASE)
        and AFTER_A_PROCEDURE.search(text + " " + lead_in)
    ]


def test_every_procedure_article_mentions_fever_after_the_procedure():
    # Keeps the test below from passing on articles that dropped the sign altogether.
    for article in [*PROCEDURE_ARTICLES, BY_SLUG[EMERGENCY_SLUG]]:
        assert fever_after_a_procedure(article["body"]), article["slug"]


@pytest.mark.parametrize("article", ARTICLES, ids=ids(ARTICLES))
def test_every_fever_after_a_shot_goes_to_911_or_the_emergency_room(article):
    """Fever, a stiff neck or a severe headache after a spine shot can mean an
    infection near the spine: never "call the office today" (review, High)."""
    for text, lead_in in fever_after_a_procedure(article["body"]):
        assert TO_EMERGENCY.search(text + " " + lead_in), (article["slug"], text, lead_in)


@pytest.mark.parametrize("article", PROCEDURE_ARTICLES, ids=PROCEDURE_SLUGS)
def test_procedure_article_sends_the_spine_warning_signs_to_the_emergency_room(article):
    emergency_lists = [
        text
        for text, lead_in in blocks_with_lead_in(article["body"])
        if TO_EMERGENCY.search(lead_in)
    ]
    listed = " ".join(emergency_lists).lower()
    for sign in ("fever", "stiff neck", "severe headache", "weakness", "numbness", "bladder"):
        assert sign in listed, (article["slug"], sign)


@pytest.mark.parametrize(
    "article",
    [*PROCEDURE_ARTICLES, BY_SLUG[EMERGENCY_SLUG]],
    ids=ids([*PROCEDURE_ARTICLES, BY_SLUG[EMERGENCY_SLUG]]),
)
def test_no_article_sends_a_headache_after_a_shot_to_the_office(article):
    text = text_of(article).lower()

    assert "bad headache" not in text
    for sentence in re.split(r"(?<=\.)\s+", text):
        if "call the clinic" in sentence or "doctor's office today" in sentence:
            assert "fever" not in sentence and "headache" not in sentence, sentence


@pytest.mark.parametrize("article", PROCEDURE_ARTICLES, ids=PROCEDURE_SLUGS)
def test_procedure_article_gives_the_blood_thinner_lead_time_and_names_the_drugs(article):
    text = text_of(article)

    assert re.search(r"as soon as the [a-z ]+ is planned", text), article["slug"]
    assert "5 to 7 days" in text
    for drug in ("aspirin", "clopidogrel", "apixaban", "warfarin"):
        assert drug in text.lower(), (article["slug"], drug)
    assert re.search(r"do not stop it unless the doctor who prescribed it", text, re.IGNORECASE)
    assert "before the day of the shot" not in text


@pytest.mark.parametrize("article", PROCEDURE_ARTICLES, ids=PROCEDURE_SLUGS)
def test_procedure_with_medicine_to_relax_warns_about_weekly_glp1_shots(article):
    text = text_of(article).lower()
    if "relax" not in text:
        pytest.skip("no sedation in this article")

    assert "semaglutide" in text and "tirzepatide" in text
    assert "skip a dose" in text


def test_preparation_lists_the_exceptions_to_the_usual_morning_medicines():
    text = text_of(BY_SLUG["preparing-for-a-procedure"]).lower()
    _, after = text.split("take your usual morning medicines", 1)

    for exception in ("insulin", "diabetes pills", "blood thinners", "weekly shots"):
        assert exception in after[:400], exception


def test_spinal_cord_stimulation_has_a_preparation_section():
    body = BY_SLUG["spinal-cord-stimulation"]["body"]
    section = next(part for part in sections({"body": body}) if part.startswith("Getting ready"))

    for item in ("blood", "diabetes", "infection", "bleeding"):
        assert item in section.lower(), item


def test_emergency_article_sends_back_pain_with_belly_or_chest_pain_to_911():
    body = BY_SLUG[EMERGENCY_SLUG]["body"]
    call_911 = sections({"body": body})[1]

    assert call_911.startswith("Call 911")
    assert re.search(r"belly or chest", call_911) and "faint" in call_911


@pytest.mark.parametrize(
    "sign", [r"immune system is weak", r"inject drugs", r"steroid pills", r"osteoporosis"]
)
def test_emergency_article_lists_the_same_day_signs(sign):
    body = BY_SLUG[EMERGENCY_SLUG]["body"]
    same_day = next(
        s for s in sections({"body": body}) if s.startswith("Call your doctor the same day")
    )

    assert re.search(sign, same_day), sign


OPIOID_SAFETY_SLUGS = ["pain-medicines-without-opioids", "opioid-safety"]


@pytest.mark.parametrize("slug", OPIOID_SAFETY_SLUGS)
def test_opioid_advice_names_naloxone_storage_disposal_and_what_not_to_mix(slug):
    text = text_of(BY_SLUG[slug]).lower()

    assert "naloxone" in text
    assert "lock" in text and "take-back" in text
    assert re.search(r"never (take|mix) an opioid with a benzodiazepine", text)
    assert "gabapentin" in text and "pregabalin" in text


def test_medicines_article_says_amitriptyline_is_usually_avoided_over_65():
    text = text_of(BY_SLUG["pain-medicines-without-opioids"]).lower()

    assert re.search(r"amitriptyline is usually avoided after age 65", text)


def test_medicines_article_does_not_oversell_acetaminophen_for_back_pain():
    text = text_of(BY_SLUG["pain-medicines-without-opioids"]).lower()

    assert "on its own, it does little for low back pain" in text


def test_epidural_article_gives_the_weak_evidence_for_walking_pain_and_the_neck_warning():
    text = text_of(BY_SLUG["epidural-steroid-injections"])

    assert re.search(r"walk[^.]*\. [^.]*NICE[^.]*advises against", text)
    assert "spinal cord injury" in text and "in the neck" in text


@pytest.mark.parametrize(
    "slug",
    [
        "living-with-back-pain",
        "physical-therapy-chiropractic-care-and-lifestyle-changes",
        "whats-next-if-facet-joint-injections-dont-work",
    ],
)
def test_back_pain_care_articles_offer_psychological_care_first_line(slug):
    text = text_of(BY_SLUG[slug]).lower()

    assert "cognitive behavioral therapy" in text and "mindfulness" in text
    assert "american college of physicians" in text


LONG_LIST_SENTENCE = 25


@pytest.mark.parametrize("article", ARTICLES, ids=ids(ARTICLES))
def test_warning_signs_are_bullets_not_long_sentences(article):
    """A sentence that strings red flags together with "or" is a list (review, Low)."""
    for text, _ in blocks_with_lead_in(article["body"]):
        for sentence in re.split(r"(?<=[.?!])\s+", text):
            if TO_EMERGENCY.search(sentence) or "right away" in sentence:
                assert len(sentence.split()) <= LONG_LIST_SENTENCE, sentence


# The new articles (issue 30): what each must say.

NEW_ARTICLE_FACTS = {
    "opioid-safety": [r"naloxone", r"1-800-662-4357", r"buprenorphine", r"call 911"],
    "coping-skills-for-long-lasting-pain": [
        r"cognitive behavioral therapy",
        r"does not mean the pain is .in your head",
        r"call or text 988",
    ],
    "knee-and-hip-arthritis": [
        r"exercise",
        r"hyaluronic acid[^.]*\. [^.]*advise against",
        r"platelet-rich plasma[^.]*\. [^.]*advise against",
        r"space these shots out",
    ],
    "headache-and-occipital-nerve-blocks": [
        r"worst headache of your life",
        r"more than about 10 to 15 days a month",
        r"call 911 or go to the emergency room for a headache",
    ],
    "fibromyalgia": [r"no blood test", r"exercise", r"opioids are not advised"],
    "vertebral-compression-fractures": [
        r"osteoporosis",
        r"fake procedure",
        r"advise against",
        r"bone density test",
    ],
    "complex-regional-pain-syndrome": [r"rehabilitation", r"mirror therapy", r"call 911"],
    "myofascial-pain-and-trigger-points": [
        r"chest pain or shortness of breath",
        r"step toward exercise",
    ],
    "pain-after-spine-surgery-and-pain-pumps": [
        r"never miss a refill",
        r"give naloxone",
        r"does not mean you did something wrong",
    ],
}


@pytest.mark.parametrize("slug", NEW_ARTICLE_FACTS)
def test_new_article_says_what_it_must(slug):
    text = text_of(BY_SLUG[slug]).lower()

    for fact in NEW_ARTICLE_FACTS[slug]:
        assert re.search(fact, text), (slug, fact)


# The review's low findings.


def test_three_months_of_care_is_given_for_low_back_pain():
    text = text_of(BY_SLUG[INJECTION_SLUG])

    assert re.search(r"For low back pain, a 2020 guideline[^.]*three months", text)


def test_facet_joint_syndrome_is_a_name_not_a_cause():
    text = text_of(BY_SLUG["facet-joints-explained"])

    assert "So can a problem called facet joint syndrome" not in text
    assert re.search(r"facet joint syndrome\W+That is not a separate cause", text)


@pytest.mark.parametrize("slug", ["radiofrequency-ablation", "spinal-cord-stimulation"])
def test_relief_is_for_some_people_not_many(slug):
    text = text_of(BY_SLUG[slug]).lower()

    assert "gentle heat" not in text
    assert "for many people, relief" not in text and "many people feel less pain" not in text
