"""The seeded generator of ``data/sample/``: synthetic children's social care complaints.

Financial year 2013/14 reproduces the council scrutiny report in ``shared/seed`` exactly
(Tables 1-3, the Not to Standard facts, 20 working days to respond before the May 2014 workshop
and 17 after). Other years vary plausibly. Descriptions are composed from the phrase bank in
:mod:`tools.sample.phrases` from each complaint's *true* category and themes; about 5% of
recorded categories are deliberately wrong, and :func:`generate_sample` returns the truth
(true category, flipped or not, true themes) so that label-noise detection can be measured.

Synthetic text proves the plumbing, never the accuracy.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pipeline.config import RECORD_COLUMNS
from pipeline.report.workdays import add_working_days
from tools.sample import phrases as bank

CATEGORIES = (
    "About Legislation",
    "About Policy",
    "Breach of Confidentiality",
    "Broken Promise/Appointment",
    "Delay/Failed Service",
    "Denial/Withdrawal/Change Service",
    "Lack of /Incorrect Information",
    "Not to Standard",
    "Staff Attitude/Conduct",
    "Other",
)
LAC, FS, RA = "Looked After Children", "Family Support", "Referral & Assessment"
OTHER_TEAMS = ("Children with Disabilities", "Leaving Care", "Fostering", "Adoption", "Other")
TEAMS = (LAC, FS, RA) + OTHER_TEAMS
RENAMED_TEAMS = {RA: "First Response"}  # the seed: "Referral and Assessment team (now the First Response Team)"
UPHELD, PARTIAL, NOT_UPHELD, NO_FINDING, WITHDRAWN = (
    "Upheld",
    "Partially Upheld",
    "Not Upheld",
    "No Finding",
    "Withdrawn",
)
LABELLED_YEARS = ("2011/12", "2012/13", "2013/14", "2014/15")
NEW_YEAR = "2015/16"
SEED_YEAR = "2013/14"
WORKSHOP_DATE = pd.Timestamp("2014-05-21")
MEAN_DAYS_BEFORE_WORKSHOP, MEAN_DAYS_AFTER_WORKSHOP = 20, 17

# The seed's Table 1 for 2013/14.
SEED_TABLE_1 = {
    "About Legislation": 0,
    "About Policy": 6,
    "Breach of Confidentiality": 1,
    "Broken Promise/Appointment": 0,
    "Delay/Failed Service": 47,
    "Denial/Withdrawal/Change Service": 5,
    "Lack of /Incorrect Information": 3,
    "Not to Standard": 14,
    "Staff Attitude/Conduct": 39,
    "Other": 1,
}
# Tables 2 and 3: team -> (upheld, partially upheld, not upheld, no finding). Looked After Children's
# Staff Attitude row says 2 received but its outcomes add to 3; records can only give 3.
SEED_TABLE_2 = {LAC: (6, 4, 3, 1), FS: (3, 4, 4, 0), RA: (3, 3, 1, 0)}
SEED_TABLE_3 = {LAC: (2, 0, 1, 0), FS: (5, 9, 11, 0), RA: (1, 1, 1, 1)}
SEED_NOT_TO_STANDARD_PARTIAL = 4
OTHER_YEAR_SIZES = {"2011/12": 94, "2012/13": 128, "2014/15": 141, NEW_YEAR: 122}
# The new year grew to 200 complaints (enough to replay 200 officers' decisions) with its own random
# stream, so the labelled years and the first 122 of the new year stay as they were.
NEW_YEAR_MORE = 78

# Recorded-label spellings of other systems (the seed itself uses two of them).
LABEL_VARIANTS = {
    "Staff Attitude/Conduct": ("Staff Conduct/Attitude",),
    "Delay/Failed Service": ("Delayed/Failed Service",),
    "Lack of /Incorrect Information": ("Lack of/Incorrect Information",),
}
# Deliberate label noise: a recorded category an officer could plausibly have chosen instead.
CONFUSABLE = {
    "Delay/Failed Service": ("Broken Promise/Appointment", "Not to Standard"),
    "Broken Promise/Appointment": ("Delay/Failed Service",),
    "Staff Attitude/Conduct": ("Not to Standard",),
    "Not to Standard": ("Staff Attitude/Conduct", "Delay/Failed Service"),
    "Denial/Withdrawal/Change Service": ("About Policy",),
    "About Policy": ("Denial/Withdrawal/Change Service",),
    "Lack of /Incorrect Information": ("Not to Standard", "Breach of Confidentiality"),
    "Breach of Confidentiality": ("Lack of /Incorrect Information",),
    "About Legislation": ("About Policy",),
    "Other": ("Not to Standard",),
}
NOISE_RATE = 0.05
MIN_PER_YEAR = 5  # rows of each category in every year but the seed's (5: none published as "<5")

# Themes: (theme, weight) drawn for each category; team themes add the team's recurring issues.
CATEGORY_THEMES = {
    "About Legislation": (("decision_dispute", 0.6), ("assessment_dispute", 0.15)),
    "About Policy": (("financial_support", 0.4), ("service_withdrawn", 0.3), ("decision_dispute", 0.2)),
    "Breach of Confidentiality": (("confidentiality", 1.0), ("inaccurate_records", 0.1)),
    "Broken Promise/Appointment": (("missed_commitment", 1.0), ("communication", 0.25)),
    "Delay/Failed Service": (
        ("delay", 0.9),
        ("missed_commitment", 0.2),
        ("communication", 0.2),
        ("worker_change", 0.1),
    ),
    "Denial/Withdrawal/Change Service": (("service_withdrawn", 1.0), ("financial_support", 0.15)),
    "Lack of /Incorrect Information": (("inaccurate_records", 0.6), ("communication", 0.5)),
    "Not to Standard": (
        ("communication", 0.25),
        ("worker_change", 0.2),
        ("missed_commitment", 0.15),
        ("assessment_dispute", 0.2),
    ),
    "Staff Attitude/Conduct": (("staff_conduct", 1.0), ("communication", 0.15), ("inaccurate_records", 0.08)),
    "Other": (("complaint_handling", 0.5), ("placement", 0.2)),
}
TEAM_THEMES = {
    LAC: (("contact_arrangements", 0.3), ("documents_travel", 0.15), ("placement", 0.15)),
    FS: (("decision_dispute", 0.15), ("missed_commitment", 0.1), ("worker_change", 0.1)),
    RA: (("assessment_dispute", 0.2), ("communication", 0.15), ("worker_change", 0.2)),
    "Children with Disabilities": (("disability_support", 0.7),),
    "Leaving Care": (("care_leaver_support", 0.8),),
    "Fostering": (("financial_support", 0.3), ("placement", 0.3)),
    "Adoption": (("placement", 0.25), ("assessment_dispute", 0.2)),
    "Other": (("complaint_handling", 0.15),),
}
# The seed's upheld examples, planted in 2013/14: (team, category, outcome) -> theme sets in turn,
# each theme optionally with a word its sentence must contain.
SEED_SCENARIOS = {
    (LAC, "Delay/Failed Service", UPHELD): (
        (("delay", None), ("contact_arrangements", "transport")),
        (("delay", None), ("documents_travel", "passport")),
        (("delay", None), ("documents_travel", "travel"), ("communication", None)),
        (("delay", None), ("contact_arrangements", "taxi")),
        (("delay", None), ("contact_arrangements", "transport")),
        (("delay", None), ("documents_travel", "passport")),
    ),
    (LAC, "Delay/Failed Service", PARTIAL): (
        (("contact_arrangements", "transport"), ("communication", None)),
        (("delay", None), ("contact_arrangements", "transport")),
    ),
    (FS, "Delay/Failed Service", UPHELD): (
        (("delay", None), ("missed_commitment", "agreed")),
        (("delay", None), ("worker_change", "allocated"), ("missed_commitment", None)),
        (("delay", None), ("missed_commitment", "agreed")),
    ),
    (RA, "Delay/Failed Service", UPHELD): (
        (("delay", None), ("service_withdrawn", "support")),
        (("communication", "communication"),),
        (("worker_change", "change"), ("communication", "communication")),
    ),
    (FS, "Staff Attitude/Conduct", UPHELD): (
        (("staff_conduct", None), ("inaccurate_records", "accurate")),
        (("staff_conduct", "attitude"),),
        (("staff_conduct", None), ("missed_commitment", None)),
        (("staff_conduct", "children"),),
        (("staff_conduct", None), ("communication", "communication")),
    ),
}

FIRST_NAMES = (
    "Tyler",
    "Jade",
    "Kayden",
    "Amelia",
    "Liam",
    "Chloe",
    "Mason",
    "Leah",
    "Reece",
    "Ellie",
    "Harvey",
    "Skye",
    "Callum",
    "Mia",
    "Kai",
    "Paige",
    "Jayden",
    "Lacey",
    "Riley",
    "Summer",
    "Alfie",
    "Poppy",
    "Tommy",
    "Ruby",
    "Kieran",
    "Demi",
    "Ashton",
    "Keira",
    "Brandon",
    "Shannon",
    "Ethan",
    "Aaliyah",
    "Jake",
    "Lily",
    "Owen",
    "Maisie",
    "Dylan",
    "Courtney",
    "Logan",
    "Tia",
    "Finley",
    "Bethany",
    "Connor",
    "Hollie",
    "Zak",
    "Amber",
)
SURNAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Hussain",
    "Khan",
    "Lewis",
    "Harris",
    "Martin",
    "Cooper",
    "King",
    "Lee",
    "Baker",
    "Hill",
    "Ward",
    "Kowalski",
    "Novak",
    "Okafor",
    "Mensah",
    "Begum",
    "Ali",
    "Hughes",
    "Edwards",
    "Turner",
    "Moore",
    "Parker",
    "Price",
)
WOMEN_NAMES = (
    "Sarah",
    "Karen",
    "Michelle",
    "Lisa",
    "Donna",
    "Claire",
    "Joanne",
    "Kelly",
    "Nicola",
    "Emma",
    "Stacey",
    "Tracey",
    "Anita",
    "Farah",
    "Agnieszka",
    "Gemma",
    "Leanne",
    "Samira",
)
MEN_NAMES = ("Paul", "Darren", "Mark", "Lee", "Wayne", "Gary", "Dean", "Craig", "Tomasz", "Imran", "Steve", "Jason")
ADULT_NAMES = WOMEN_NAMES + MEN_NAMES
STREETS = (
    "Elm Road",
    "Station Street",
    "Cromwell Avenue",
    "Park Lane",
    "Orchard Close",
    "Mill Drive",
    "Church Way",
    "Oak Crescent",
    "Bridge Street",
    "Victoria Road",
    "Meadow Grove",
    "Queens Gardens",
    "Fen Lane",
    "Abbey Close",
)
TOWN = "Eastbury"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NUMBER_WORDS = ("two", "three", "four", "five", "six", "eight", "ten", "twelve")
COMPLAINANTS_BY_TEAM = {
    LAC: (("parent", 0.55), ("foster carer", 0.2), ("child", 0.1), ("advocate", 0.1), ("other", 0.05)),
    "Leaving Care": (("care leaver", 0.7), ("advocate", 0.2), ("other", 0.1)),
    "Fostering": (("foster carer", 0.8), ("parent", 0.1), ("other", 0.1)),
    "Adoption": (("parent", 0.6), ("special guardian", 0.2), ("other", 0.2)),
    "_default": (("parent", 0.75), ("special guardian", 0.07), ("advocate", 0.06), ("child", 0.05), ("other", 0.07)),
}
MALE_ROLES = re.compile(r"\b(father|dad|grandfather|stepfather|uncle|he)\b")
MIN_WORDS, LONG_WORDS, MAX_WORDS = 12, 220, 480  # short notes, a few words, are written apart


@dataclass(frozen=True)
class SampleData:
    complaints: pd.DataFrame  # labelled years, as a council would export them
    new_complaints: pd.DataFrame  # the next year, without category, themes and outcome
    truth: pd.DataFrame  # generator's record: true category and themes, flipped labels
    closed_new_year: pd.DataFrame  # the next year once closed: labelled as the others, for retraining


def _choose(rng: np.random.Generator, weighted: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    weights = np.asarray(weights, dtype=float)
    return names[rng.choice(len(names), p=weights / weights.sum())]


def _financial_year_dates(year: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = int(year[:4])
    return pd.Timestamp(date(start, 4, 1)), pd.Timestamp(date(start + 1, 3, 31))


# ---------------------------------------------------------------------------------------------
# Records: category, team and outcome per complaint
# ---------------------------------------------------------------------------------------------


def _seed_year_cells(rng: np.random.Generator) -> list[tuple[str, str, str]]:
    """The 116 (category, team, outcome) triples of 2013/14, exactly as the seed's tables."""
    cells: list[tuple[str, str, str]] = []
    outcomes = (UPHELD, PARTIAL, NOT_UPHELD, NO_FINDING)
    for category, table, spread in (
        ("Delay/Failed Service", SEED_TABLE_2, (4, 3, 3, 3, 2)),
        ("Staff Attitude/Conduct", SEED_TABLE_3, (2, 2, 1, 1, 1)),
    ):
        for team, counts in table.items():
            for outcome, count in zip(outcomes, counts, strict=True):
                cells += [(category, team, outcome)] * count
        # The rest are spread over the other teams, fewer each than the seed's three teams.
        for team, count in zip(OTHER_TEAMS, spread, strict=True):
            cells += [
                (category, team, _choose(rng, ((UPHELD, 0.25), (PARTIAL, 0.3), (NOT_UPHELD, 0.45))))
                for _ in range(count)
            ]
    # Not to Standard: 14 spread evenly over the eight teams, none upheld, 4 partially upheld.
    nts_teams = list(TEAMS) + list(TEAMS[:6])
    nts_outcomes = [PARTIAL] * SEED_NOT_TO_STANDARD_PARTIAL + [NOT_UPHELD] * 8 + [NO_FINDING] * 2
    rng.shuffle(nts_outcomes)
    cells += [("Not to Standard", team, outcome) for team, outcome in zip(nts_teams, nts_outcomes, strict=True)]
    for category, count in SEED_TABLE_1.items():
        if category in ("Delay/Failed Service", "Staff Attitude/Conduct", "Not to Standard"):
            continue
        for _ in range(count):
            cells.append((category, _team_for(rng, category), _outcome_for(rng, category, allow_withdrawn=False)))
    return cells


def _team_for(rng: np.random.Generator, category: str) -> str:
    if category == "Delay/Failed Service":
        weights = (0.28, 0.22, 0.16, 0.1, 0.08, 0.07, 0.05, 0.04)
    elif category == "Staff Attitude/Conduct":
        weights = (0.1, 0.55, 0.12, 0.06, 0.06, 0.05, 0.03, 0.03)
    else:
        weights = (0.18, 0.2, 0.16, 0.12, 0.1, 0.1, 0.07, 0.07)
    return _choose(rng, tuple(zip(TEAMS, weights, strict=True)))


def _outcome_for(rng: np.random.Generator, category: str, allow_withdrawn: bool = True) -> str:
    table = {
        "Delay/Failed Service": (0.35, 0.3, 0.3, 0.05),
        "Staff Attitude/Conduct": (0.18, 0.3, 0.47, 0.05),
        "Not to Standard": (0.03, 0.3, 0.57, 0.1),
        "Broken Promise/Appointment": (0.4, 0.3, 0.25, 0.05),
        "Breach of Confidentiality": (0.45, 0.2, 0.3, 0.05),
    }.get(category, (0.15, 0.25, 0.52, 0.08))
    weighted = tuple(zip((UPHELD, PARTIAL, NOT_UPHELD, NO_FINDING), table, strict=True))
    if allow_withdrawn:
        weighted += ((WITHDRAWN, 0.03),)
    return _choose(rng, weighted)


def _other_year_cells(rng: np.random.Generator, size: int) -> list[tuple[str, str, str]]:
    base = np.array([SEED_TABLE_1[c] for c in CATEGORIES], dtype=float) + 5.0
    shares = rng.dirichlet(base / base.sum() * 120)
    categories = rng.choice(len(CATEGORIES), size=size, p=shares)
    # Every category turns up a few times a year (real councils log even About Legislation now and then),
    # taken from the commonest, so that a model trained on the sample can learn each one.
    for index in range(len(CATEGORIES)):
        while (categories == index).sum() < MIN_PER_YEAR:
            commonest = np.bincount(categories, minlength=len(CATEGORIES)).argmax()
            categories[rng.choice(np.flatnonzero(categories == commonest))] = index
    cells = []
    for index in categories:
        category = CATEGORIES[index]
        cells.append((category, _team_for(rng, category), _outcome_for(rng, category)))
    return cells


# ---------------------------------------------------------------------------------------------
# Themes and text
# ---------------------------------------------------------------------------------------------


def _themes_for(rng: np.random.Generator, category: str, team: str) -> list[tuple[str, str | None]]:
    chosen: dict[str, None] = {}
    for theme, weight in CATEGORY_THEMES[category] + TEAM_THEMES.get(team, ()):
        if rng.random() < weight:
            chosen[theme] = None
    if not chosen:
        chosen[_choose(rng, CATEGORY_THEMES[category])] = None
    return [(theme, None) for theme in list(chosen)[:4]]


def _person(first_person: bool, male: bool) -> dict[str, str]:
    if first_person:
        return {
            "i": "I",
            "me": "me",
            "my": "my",
            "i_am": "I am",
            "i_have": "I have",
            "i_was": "I was",
            "i_feel": "I feel",
            "i_do_not": "I do not",
            "i_want": "I want",
        }
    subject, object_, possessive = ("he", "him", "his") if male else ("she", "her", "her")
    return {
        "i": subject,
        "me": object_,
        "my": possessive,
        "i_am": f"{subject} is",
        "i_have": f"{subject} has",
        "i_was": f"{subject} was",
        "i_feel": f"{subject} feels",
        "i_do_not": f"{subject} does not",
        "i_want": f"{subject} wants",
    }


def _postcode(rng: np.random.Generator) -> str:
    letters = string.ascii_uppercase
    return f"EB{rng.integers(1, 16)} {rng.integers(0, 10)}{letters[rng.integers(0, 26)]}{letters[rng.integers(0, 26)]}"


def _slots(
    rng: np.random.Generator, first_person: bool, male: bool, team: str, received: pd.Timestamp
) -> dict[str, str]:
    child = str(rng.choice(FIRST_NAMES))
    surname = str(rng.choice(SURNAMES))
    slots = _person(first_person, male)
    possessive = slots["my"]
    title = "Mr" if male else str(rng.choice(("Ms", "Mrs", "Miss")))
    earlier = received - pd.Timedelta(days=int(rng.integers(10, 120)))
    slots.update(
        child=child,
        child_rel=f"{possessive} {rng.choice(('son', 'daughter', 'grandson', 'granddaughter'))}",
        worker=str(
            rng.choice(
                (
                    f"{rng.choice(('Ms', 'Mr', 'Mrs'))} {rng.choice(SURNAMES)}",
                    f"{rng.choice(ADULT_NAMES)} {rng.choice(SURNAMES)}",
                    str(rng.choice(ADULT_NAMES)),
                )
            )
        ),
        manager=f"{rng.choice(('Ms', 'Mr'))} {rng.choice(SURNAMES)}",
        carer=f"{rng.choice(('Mrs', 'Mr', 'Ms'))} {rng.choice(SURNAMES)}",
        weeks=str(rng.choice(NUMBER_WORDS)) if rng.random() < 0.5 else str(rng.integers(2, 15)),
        month=MONTHS[earlier.month - 1],
        date=f"{earlier.day} {MONTHS[earlier.month - 1]}",
        team=f"the {team} team" if team != "Other" else "children's services",
        full_name=f"{title} {rng.choice(MEN_NAMES if male else WOMEN_NAMES)} {surname}",
        address=f"{rng.integers(1, 180)} {rng.choice(STREETS)}, {TOWN}",
        postcode=_postcode(rng),
        phone=f"07700 900{rng.integers(0, 1000):03d}"
        if rng.random() < 0.7
        else f"01632 960{rng.integers(0, 1000):03d}",
        email=f"{child.lower()}.{surname.lower()}{rng.integers(1, 99)}@example.com",
        dob=f"{rng.integers(1, 29):02d}/{rng.integers(1, 13):02d}/{rng.integers(2000, 2013)}",
        case_ref=f"CS-{rng.integers(100000, 999999)}",
    )
    return slots


def _pick(rng: np.random.Generator, sentences: list[str], word: str | None = None) -> str:
    if word:
        matching = [s for s in sentences if word in s.lower()]
        sentences = matching or sentences
    return sentences[rng.integers(0, len(sentences))]


def _misspell(rng: np.random.Generator, text: str, rate: float) -> str:
    words = text.split(" ")
    for index, word in enumerate(words):
        core = word.strip(".,!?;:'\"()").lower()
        if core in bank.MISSPELLINGS and rng.random() < rate * 10:
            words[index] = word.replace(core, bank.MISSPELLINGS[core]) if word.islower() else word
        elif len(core) > 4 and core.isalpha() and rng.random() < rate:
            cut = int(rng.integers(1, len(core) - 2))
            words[index] = word.replace(core, core[:cut] + core[cut + 1] + core[cut] + core[cut + 2 :])
    return " ".join(words)


def _render(template: str, slots: dict[str, str]) -> str:
    sentence = template.format(**slots).strip()
    return sentence[0].upper() + sentence[1:] if sentence else sentence


# How a complaint reaches the record: (style, weight). Letters and intake notes are the bulk; MPs'
# offices, advocates and young people write in their own ways; some records are a few words, some long.
STYLES = (
    ("letter", 0.3),
    ("intake note", 0.25),
    ("mp", 0.06),
    ("advocate", 0.05),
    ("young person", 0.06),
    ("short", 0.12),
    ("long", 0.16),
)
MIX_RATE = 0.12  # complaints that raise two more issues besides their main one
SIBLINGS = ("my brother", "my sister", "my little brother", "my little sister")


def _style(rng: np.random.Generator, complainant_type: str, keep_words: bool) -> str:
    weights = dict(STYLES)
    if complainant_type == "advocate":
        weights["advocate"] = 0.8
    if complainant_type in ("child", "care leaver"):
        weights["young person"] = 0.5
    if keep_words:  # the seed's planted examples need their sentences
        weights["short"] = 0.0
    return _choose(rng, tuple(weights.items()))


CUES = {theme: re.compile(cue, re.IGNORECASE) for theme, cue in bank.THEME_CUES.items()}


def cued_themes(sentence: str) -> list[str]:
    """The themes a category sentence or closing states besides its category (bank.THEME_CUES)."""
    return [theme for theme, cue in CUES.items() if cue.search(sentence)]


def _informal(rng: np.random.Generator, text: str) -> str:
    """Typed in a hurry: short forms, dropped apostrophes, often no capitals or full stops."""
    for formal, short in bank.INFORMAL.items():
        if rng.random() < 0.6:
            text = re.sub(rf"\b{re.escape(formal)}", short, text)
    text = text.replace("'", "") if rng.random() < 0.6 else text
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.4:
        text = text.replace(". ", " ").rstrip(".")
    return text


def _opener(rng: np.random.Generator, style: str, first_person: bool) -> str:
    if style == "mp":
        return _pick(rng, bank.OPENERS_MP)
    if style == "advocate":
        return _pick(rng, bank.OPENERS_ADVOCATE)
    if style == "young person":
        return _pick(rng, bank.OPENERS_YOUNG_PERSON)
    if style == "intake note" and rng.random() < 0.45:
        return _pick(rng, bank.OPENERS_INTAKE)
    return _pick(rng, bank.OPENERS_FIRST if first_person else bank.OPENERS_THIRD)


def _closing(rng: np.random.Generator, style: str) -> str:
    closings = {"mp": bank.CLOSINGS_MP, "advocate": bank.CLOSINGS_ADVOCATE}.get(style, bank.CLOSINGS)
    return _pick(rng, closings)


def compose_description(
    rng: np.random.Generator,
    category: str,
    themes: list[tuple[str, str | None]],
    team: str,
    complainant_type: str,
    received: pd.Timestamp,
) -> tuple[str, list[str]]:
    """One complaint as recorded at intake, and the themes it states.

    Every theme returned is stated in the text (a short note states only its own); a fifth of the
    complaints raise two further issues. The style decides the voice and the length: a letter from
    the complainant, an officer's intake note, a letter from an MP's office or an advocate, a young
    person's own words, a note of a few words, or a long letter.
    """
    keep_words = any(word for _, word in themes)
    style = _style(rng, complainant_type, keep_words)
    if style == "short":
        note, stated = bank.SHORT_NOTES[category][rng.integers(0, len(bank.SHORT_NOTES[category]))]
        slots = _slots(rng, False, False, team, received)
        text = f"{_render(note, slots)} {_render(_pick(rng, bank.SHORT_TAILS), slots)}"
        if rng.random() < 0.35:
            text = f"{_render(_pick(rng, bank.OPENERS_INTAKE), slots)} {text}"
        return _misspell(rng, text, rate=0.01), list(stated)
    first_person = {
        "letter": complainant_type not in ("advocate", "child"),
        "young person": True,
        "long": rng.random() < 0.6,
    }.get(style, False)
    opener = _opener(rng, style, first_person)
    male = bool(MALE_ROLES.search(opener)) or (not first_person and rng.random() < 0.25)
    slots = _slots(rng, first_person, male, team, received)
    if style == "young person":
        slots["child"] = slots["child_rel"] = str(rng.choice(SIBLINGS))
    extra = {"intake note": int(rng.integers(0, 2)), "young person": int(rng.integers(0, 2)), "long": 4}.get(style, 1)
    stated = [theme for theme, _ in themes]
    if rng.random() < MIX_RATE:
        others = sorted(set(bank.THEME_SENTENCES) - set(stated))
        stated += [str(theme) for theme in rng.choice(others, size=2, replace=False)]
    words = dict(themes)
    cores = bank.CATEGORY_CORE[category] + bank.CATEGORY_CORE_MORE[category]
    body = [_pick(rng, cores) for _ in range(int(rng.integers(1, 2 + extra)))]
    stated += [theme for sentence in body for theme in cued_themes(sentence) if theme not in stated]
    for theme in stated:
        body.append(_pick(rng, bank.THEME_SENTENCES[theme], words.get(theme)))
        if rng.random() < 0.2 * extra:
            body.append(_pick(rng, bank.THEME_SENTENCES[theme]))
    rng.shuffle(body)
    parts = [] if style == "intake note" and rng.random() < 0.3 else [opener]
    parts += [_pick(rng, bank.CONTEXT) for _ in range(int(rng.integers(0, 1 + 2 * extra)))]
    parts += body
    parts += [_pick(rng, bank.FEELINGS) for _ in range(int(rng.integers(0, 1 + extra)))]
    if style != "young person" and rng.random() < 0.6:
        parts += [_pick(rng, bank.IDENTIFIER_SENTENCES) for _ in range(int(rng.integers(1, 3)))]
    if rng.random() < 0.4 + 0.2 * extra or style in ("mp", "advocate"):
        parts.append(_closing(rng, style))
        stated += [theme for theme in cued_themes(parts[-1]) if theme not in stated]
    sentences = list(dict.fromkeys(_render(part, slots) for part in parts))
    # A long letter goes over the same ground again, at length.
    padding = bank.CONTEXT + bank.FEELINGS + (cores + bank.CLOSINGS if style == "long" else [])
    while len(" ".join(sentences).split()) < (LONG_WORDS if style == "long" else MIN_WORDS):
        sentences.insert(-1, _render(_pick(rng, padding), slots))
    while len(" ".join(sentences).split()) > MAX_WORDS and len(sentences) > 3:
        sentences.pop(len(sentences) // 2)
    text = _misspell(rng, " ".join(sentences), rate=0.006)
    return (_informal(rng, text) if style == "young person" else text), list(dict.fromkeys(stated))


# ---------------------------------------------------------------------------------------------
# Dates and response times
# ---------------------------------------------------------------------------------------------


def _received_dates(rng: np.random.Generator, year: str, size: int) -> pd.Series:
    start, end = _financial_year_dates(year)
    days = pd.bdate_range(start, end)
    return pd.Series(sorted(days[rng.integers(0, len(days), size=size)]))


def _exact_mean(rng: np.random.Generator, stages: np.ndarray, target: int) -> np.ndarray:
    """Working days per complaint, by stage, adjusted so that their mean is exactly ``target``."""
    centre = np.where(stages == 1, target * 0.8, np.where(stages == 2, 45, 50))
    days = np.clip(np.round(rng.gamma(6.0, centre / 6.0)), 2, 65).astype(int)
    low = np.where(stages == 1, 2, 20)
    while days.sum() != target * len(days):
        direction = 1 if days.sum() < target * len(days) else -1
        candidates = np.flatnonzero((days + direction >= low) & (days + direction <= 65))
        days[rng.choice(candidates)] += direction
    return days


def _response_dates(rng: np.random.Generator, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Responded dates: each year's records before the workshop average 20 working days, after it 17."""
    days = pd.Series(0, index=frame.index)
    after = frame["date_received"] >= WORKSHOP_DATE
    for (is_after, _), group in frame.groupby([after, "financial_year"]):
        target = MEAN_DAYS_AFTER_WORKSHOP if is_after else MEAN_DAYS_BEFORE_WORKSHOP
        days[group.index] = _exact_mean(rng, group["stage"].to_numpy(), target)
    responded = add_working_days(frame["date_received"], days)
    extension = (frame["stage"] == 1) & (days > 10) | (frame["stage"] == 2) & (days > 25)
    return responded, extension


# ---------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------


def _recorded_label(rng: np.random.Generator, category: str, year: str) -> str:
    variants = LABEL_VARIANTS.get(category)
    if variants and (year == "2011/12" and rng.random() < 0.6 or rng.random() < 0.15):
        return str(rng.choice(variants))
    return category


def _year_frame(rng: np.random.Generator, year: str, cells: list[tuple[str, str, str]], first_ref: int) -> pd.DataFrame:
    """One financial year's records. ``cells`` holds the *recorded* category, team and outcome."""
    received = _received_dates(rng, year, len(cells))
    order = rng.permutation(len(cells))
    records = []
    scenario_turn: dict[tuple[str, str, str], int] = {}
    noisy = set(rng.choice(len(cells), size=int(round(NOISE_RATE * len(cells))), replace=False).tolist())
    for position, cell_index in enumerate(order):
        recorded, team, outcome = cells[cell_index]
        key = (team, recorded, outcome)
        scenario = SEED_SCENARIOS.get(key) if year == SEED_YEAR else None
        true_category = recorded
        if scenario and scenario_turn.get(key, 0) < len(scenario):
            themes = list(scenario[scenario_turn.get(key, 0)])
            scenario_turn[key] = scenario_turn.get(key, 0) + 1
        else:
            if position in noisy:
                true_category = str(rng.choice(CONFUSABLE[recorded]))
            themes = _themes_for(rng, true_category, team)
        complainant = _choose(rng, COMPLAINANTS_BY_TEAM.get(team, COMPLAINANTS_BY_TEAM["_default"]))
        stage = int(_choose(rng, (("1", 0.84), ("2", 0.13), ("3", 0.03))))
        description, stated = compose_description(rng, true_category, themes, team, complainant, received[position])
        records.append(
            {
                "complaint_ref": f"CSC-{year[2:4]}{first_ref + position:04d}",
                "date_received": received[position],
                "financial_year": year,
                "stage": stage,
                "team": team,
                "complainant_type": complainant,
                "description": description,
                "category": _recorded_label(rng, recorded, year),
                "themes": ";".join(stated),
                "outcome": outcome,
                "true_category": true_category,
            }
        )
    frame = pd.DataFrame.from_records(records)
    frame["label_flipped"] = frame["true_category"] != frame["category"].map(_canonical)
    return frame


def _canonical(label: str) -> str:
    for category, variants in LABEL_VARIANTS.items():
        if label in variants:
            return category
    return label


def _intake_slips(rng: np.random.Generator, records: pd.DataFrame, year: str = "2012/13") -> pd.DataFrame:
    """Real exports hold slips: complaints logged twice, and records saved with no description."""
    in_year = records.index[records["financial_year"] == year]
    twice = records.loc[rng.choice(in_year, size=3, replace=False)].copy()
    twice["complaint_ref"] = [f"CSC-{year[2:4]}{9001 + i}" for i in range(len(twice))]
    slipped = pd.concat([records, twice], ignore_index=True)
    emptied = rng.choice(in_year.difference(twice.index), size=2, replace=False)
    slipped.loc[emptied, "description"] = ""
    return slipped


def _format_dates(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%d/%m/%Y")


def generate_sample(seed: int = 2015) -> SampleData:
    """Build the bundled sample: four labelled years, one new year (open, and once closed), and the generator's truth."""
    rng = np.random.default_rng(seed)
    frames = []
    for year in LABELLED_YEARS + (NEW_YEAR,):
        cells = _seed_year_cells(rng) if year == SEED_YEAR else _other_year_cells(rng, OTHER_YEAR_SIZES[year])
        frames.append(_year_frame(rng, year, cells, first_ref=1))
    records = _intake_slips(rng, pd.concat(frames, ignore_index=True))
    records = records.sort_values(["date_received", "complaint_ref"], kind="stable", ignore_index=True)
    records["date_responded"], extension = _response_dates(rng, records)
    more_rng = np.random.default_rng([seed, 1])
    more = _year_frame(more_rng, NEW_YEAR, _other_year_cells(more_rng, NEW_YEAR_MORE), OTHER_YEAR_SIZES[NEW_YEAR] + 1)
    more["date_responded"], more_extension = _response_dates(more_rng, more)
    records = pd.concat([records.assign(extension=extension), more.assign(extension=more_extension)], ignore_index=True)
    records = records.sort_values(["date_received", "complaint_ref"], kind="stable", ignore_index=True)
    extension = records.pop("extension")
    records["extension_agreed"] = np.where(extension, "Yes", "No")
    new = records["financial_year"] == NEW_YEAR
    records.loc[new, "team"] = records.loc[new, "team"].replace(RENAMED_TEAMS)

    truth = records[["complaint_ref", "financial_year", "category", "true_category", "label_flipped", "themes"]].copy()
    truth["category"] = truth["category"].map(_canonical)
    truth = truth.rename(columns={"category": "recorded_category", "themes": "true_themes"})

    export = records.drop(columns=["true_category", "label_flipped"]).copy()
    for column in ("date_received", "date_responded"):
        export[column] = _format_dates(export[column])
    columns = list(RECORD_COLUMNS)
    labelled = export.loc[~new, columns].reset_index(drop=True)
    new_complaints = export.loc[new, [c for c in columns if c not in ("category", "themes", "outcome")]]
    # Intake realities the scorer must account for: one record with no text, one with hardly any.
    new_complaints = new_complaints.reset_index(drop=True)
    new_complaints.loc[len(new_complaints) - 2, "description"] = ""
    new_complaints.loc[len(new_complaints) - 1, "description"] = "Unhappy again."
    return SampleData(
        complaints=labelled,
        new_complaints=new_complaints,
        truth=truth.reset_index(drop=True),
        closed_new_year=export.loc[new, columns].reset_index(drop=True),
    )
