"""Write ``pii_corpus.jsonl``: fictional complaint texts with exact identifier spans.

Everything here is invented. Texts come from hand-written templates with typed slots; each slot is
filled from a list of fictional values (or a generator that only produces values from reserved or
test ranges), and the character offsets of every typed slot are recorded as it is rendered, so the
spans are exact by construction. Run from anywhere (standard library only, fixed seed)::

    python3 tests/corpora/pii/make_corpus.py

Template slot syntax
--------------------
``{role}`` / ``{role.first}`` / ``{role.last}``  a person (NAME); same role = same person in one text.
    Role flags after ``_``: w = first name that is also a word (Hope, Will), s = surname that is also a
    word (Wood, Brook), h = hyphenated first name, d = double-barrelled surname, m / f = gender.
``{phone}`` ``{mob}`` ``{land}``      PHONE (any / mobile / landline)
``{email}`` ``{email@role}``          EMAIL (generic local part / derived from that person's name)
``{pc}``                              POSTCODE
``{nhs}``                             NHS_NO (999 test range, valid mod-11 check digit)
``{ni}``                              NI_NO
``{dob}`` ``{dobn}`` ``{dobw}`` ``{dobo}`` ``{adob}`` ``{ldob}`` ``{bdob}``   DOB (any / numeric /
    written / "3rd of May 2012" / adult / care leaver / baby)
``{addr}``                            ADDRESS (house number + street, optionally a flat)
``{ref}`` ``{mosaic}`` ``{lac}``      CASE_REF (council formats / 7-digit Mosaic ID / LAC12345)
``{_month}``, ``{_day}`` ... (leading underscore)   untyped filler, never an identifier
A trailing digit makes a second independent value (``{addr2}``, ``{ni2}``, ``{son2}``).
Modifiers: ``|lower``, ``|upper``.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

SEED = 20240617
OUT = Path(__file__).resolve().parent / "pii_corpus.jsonl"
TYPES = ["NAME", "PHONE", "EMAIL", "POSTCODE", "NHS_NO", "NI_NO", "DOB", "ADDRESS", "CASE_REF"]
IDENTIFIED_USES = 3  # renders per identified template
ZERO_USES = 2  # renders per no-identifier template (duplicates are skipped)

# --------------------------------------------------------------------------------------------------
# Fictional value lists. Names are common given names and surnames in the UK, combined at random;
# no combination refers to a real person.
# --------------------------------------------------------------------------------------------------
ORIGINS: dict[str, dict[str, list]] = {
    "british": {
        "f": [
            "Sarah",
            "Lisa",
            "Claire",
            "Michelle",
            "Donna",
            "Kelly",
            "Joanne",
            "Gemma",
            "Stacey",
            "Hannah",
            "Rebecca",
            "Nicola",
            "Helen",
            "Amelia",
            "Olivia",
            "Freya",
            "Ruby",
            "Maisie",
            "Evie",
            "Lily",
            "Poppy",
            "Leah",
            "Jade",
            "Lexi",
            "Keira",
            "Shannon",
            "Chantelle",
            "Demi",
            "Lacey",
            "Sienna",
            "Charlotte",
            "Emily",
            "Megan",
            "Chloe",
            "Bethany",
            "Tracey",
            "Julie",
            "Karen",
            "Kayleigh",
            "Cerys",
        ],
        "m": [
            "Dave",
            "Steve",
            "Gary",
            "Paul",
            "Darren",
            "Wayne",
            "Lee",
            "Craig",
            "Tyler",
            "Jayden",
            "Harvey",
            "Alfie",
            "Mason",
            "Callum",
            "Kieran",
            "Brandon",
            "Reece",
            "Jordan",
            "Ryan",
            "Ollie",
            "Noah",
            "Archie",
            "Tommy",
            "Bobby",
            "Kai",
            "Leon",
            "Liam",
            "Connor",
            "Jamie",
            "Josh",
            "Ben",
            "Neil",
            "Stuart",
            "Rhys",
            "Dylan",
            "Gareth",
        ],
        "sur": [
            "Smith",
            "Jones",
            "Williams",
            "Taylor",
            "Davies",
            "Evans",
            "Wilson",
            "Thomas",
            "Roberts",
            "Johnson",
            "Lewis",
            "Walker",
            "Robinson",
            "Wright",
            "Thompson",
            "Hughes",
            "Edwards",
            "Jackson",
            "Harris",
            "Turner",
            "Cooper",
            "Ward",
            "Morris",
            "Parker",
            "Bennett",
            "Cox",
            "Shaw",
            "Atkinson",
            "Pearson",
            "Holmes",
            "Barnes",
            "Fletcher",
            "Dixon",
            "Heywood",
            "Lister",
            "Stokes",
            "Ratcliffe",
        ],
    },
    "irish": {
        "f": [
            "Siobhán",
            "Niamh",
            "Aoife",
            "Saoirse",
            "Ciara",
            "Mairead",
            "Bernadette",
            "Róisín",
            "Orla",
            "Clodagh",
            "Sinéad",
            "Aisling",
            "Caoimhe",
        ],
        "m": [
            "Declan",
            "Cian",
            "Oisín",
            "Sean",
            "Padraig",
            "Colm",
            "Ciarán",
            "Eoin",
            "Fionn",
            "Tadhg",
            "Darragh",
            "Conor",
        ],
        "sur": [
            "Murphy",
            "O'Brien",
            "O'Sullivan",
            "Byrne",
            "McCarthy",
            "Doherty",
            "Gallagher",
            "O'Connor",
            "McLaughlin",
            "Walsh",
            "Quinn",
            "Kavanagh",
            "Brennan",
            "Fitzgerald",
            "O'Neill",
            "Duffy",
        ],
    },
    "south_asian": {
        "f": [
            "Priya",
            "Anjali",
            "Sunita",
            "Nasreen",
            "Shazia",
            "Farah",
            "Rukhsana",
            "Aisha",
            "Zara",
            "Anaya",
            "Zainab",
            "Fatima",
            "Safiya",
            "Yasmin",
            "Ayesha",
            "Amira",
            "Sana",
            "Hafsa",
            "Mehreen",
            "Simran",
            "Harpreet",
            "Kiran",
            "Nadia",
            "Parveen",
            "Shabana",
        ],
        "m": [
            "Imran",
            "Tariq",
            "Asif",
            "Rajesh",
            "Sanjay",
            "Muhammad",
            "Mohammed",
            "Bilal",
            "Hamza",
            "Ayaan",
            "Yusuf",
            "Ibrahim",
            "Amir",
            "Idris",
            "Zain",
            "Arjun",
            "Rohan",
            "Gurpreet",
            "Harjit",
            "Faisal",
            "Usman",
            "Adnan",
            "Waqas",
        ],
        "sur": [
            "Khan",
            "Ahmed",
            "Hussain",
            "Begum",
            "Ali",
            "Patel",
            "Shah",
            "Sharma",
            "Singh",
            "Kaur",
            "Chowdhury",
            "Rahman",
            "Iqbal",
            "Mahmood",
            "Akhtar",
            "Malik",
            "Mistry",
            "Gill",
            "Sandhu",
            "Uddin",
            "Miah",
            "Qureshi",
        ],
    },
    "west_african": {
        "f": [
            "Ngozi",
            "Funmi",
            "Chioma",
            "Abena",
            "Adaeze",
            "Ama",
            "Temi",
            "Chidera",
            "Folake",
            "Yewande",
            "Adwoa",
            "Nneka",
        ],
        "m": [
            "Emeka",
            "Chinedu",
            "Kwabena",
            "Tunde",
            "Tobi",
            "Femi",
            "Kofi",
            "Kwame",
            "Chidi",
            "Olumide",
            "Segun",
            "Yaw",
            "Ifeanyi",
            "Babajide",
        ],
        "sur": [
            "Okafor",
            "Adeyemi",
            "Mensah",
            "Osei",
            "Okonkwo",
            "Nwosu",
            "Boateng",
            "Asante",
            "Adebayo",
            "Eze",
            "Obi",
            "Owusu",
            "Afolabi",
            "Bello",
            "Danso",
            "Ogunleye",
        ],
    },
    "east_african": {
        "f": ["Hodan", "Faduma", "Amina", "Ifrah", "Sagal", "Hibo", "Nimo", "Ayan", "Selam"],
        "m": ["Abdi", "Mohamed", "Abdirahman", "Liban", "Guled", "Yonas", "Dawit"],
        "sur": ["Farah", "Mohamud", "Warsame", "Hassan", "Osman", "Tesfaye", "Haile", "Jama", "Egal"],
    },
    "polish": {
        "f": [
            "Agnieszka",
            "Katarzyna",
            "Magdalena",
            "Ewa",
            "Oliwia",
            "Zuzanna",
            "Lena",
            "Maja",
            "Zofia",
            "Natalia",
            "Aleksandra",
        ],
        "m": [
            "Piotr",
            "Tomasz",
            "Marek",
            "Andrzej",
            "Kacper",
            "Jakub",
            "Dawid",
            "Bartosz",
            "Antoni",
            "Szymon",
            "Mateusz",
            "Łukasz",
        ],
        # (masculine, feminine) forms
        "sur": [
            ("Kowalski", "Kowalska"),
            ("Nowak", "Nowak"),
            ("Wiśniewski", "Wiśniewska"),
            ("Wójcik", "Wójcik"),
            ("Lewandowski", "Lewandowska"),
            ("Zieliński", "Zielińska"),
            ("Kamiński", "Kamińska"),
            ("Mazur", "Mazur"),
            ("Krawczyk", "Krawczyk"),
            ("Dąbrowski", "Dąbrowska"),
            ("Szymański", "Szymańska"),
            ("Kaczmarek", "Kaczmarek"),
        ],
    },
    "romanian": {
        "f": ["Andreea", "Ioana", "Elena", "Simona", "Alina", "Bianca", "Daria"],
        "m": ["Mihai", "Ionut", "Andrei", "Vasile", "Florin", "Cosmin", "Stefan"],
        "sur": ["Popescu", "Ionescu", "Popa", "Constantin", "Stan", "Dumitru", "Munteanu", "Rusu"],
    },
    "caribbean": {
        "f": [
            "Marcia",
            "Beverley",
            "Dionne",
            "Shanice",
            "Tanisha",
            "Keisha",
            "Paulette",
            "Jasmine",
            "Aaliyah",
            "Tiana",
        ],
        "m": ["Delroy", "Winston", "Jerome", "Jamal", "Malachi", "Tyrone", "Leroy", "Marlon", "Kemar", "Andre"],
        "sur": [
            "Campbell",
            "Francis",
            "Grant",
            "Gordon",
            "Bailey",
            "Clarke",
            "Reid",
            "McKenzie",
            "Henry",
            "Samuels",
            "Brown",
            "Richards",
        ],
    },
    "turkish": {
        "f": ["Elif", "Ayse", "Zeynep", "Hatice", "Esra"],
        "m": ["Mehmet", "Emre", "Kemal", "Baran", "Can"],
        "sur": ["Yilmaz", "Demir", "Kaya", "Sahin", "Celik", "Aydin"],
    },
    "east_asian": {
        "f": ["Mai", "Linh", "Mei", "Xin", "Thao"],
        "m": ["Minh", "Wei", "Jun", "Hao", "Duc"],
        "sur": ["Nguyen", "Tran", "Chen", "Wong", "Zhang", "Pham", "Le"],
    },
    "lusophone": {
        "f": ["Ana", "Beatriz", "Leticia", "Mariana"],
        "m": ["Nuno", "João", "Tiago", "Rafael"],
        "sur": ["Da Silva", "Santos", "Ferreira", "De Souza", "Costa", "Pereira"],
    },
}
ORIGIN_WEIGHTS = {
    "british": 34,
    "irish": 7,
    "south_asian": 16,
    "west_african": 9,
    "east_african": 5,
    "polish": 8,
    "romanian": 4,
    "caribbean": 7,
    "turkish": 3,
    "east_asian": 3,
    "lusophone": 3,
}

# Given names and surnames that are also ordinary English words (the hard cases).
WORD_FIRST = {
    "f": [
        "Rose",
        "Grace",
        "Hope",
        "Faith",
        "Summer",
        "Joy",
        "Dawn",
        "Holly",
        "Ivy",
        "Daisy",
        "Amber",
        "Autumn",
        "Skye",
        "Sue",
        "Pat",
        "Blessing",
        "Precious",
        "Comfort",
        "Favour",
        "Patience",
        "Mercy",
        "Charity",
        "Honey",
        "Destiny",
        "Harmony",
        "Hazel",
        "Violet",
        "Pearl",
        "April",
        "June",
        "May",
    ],
    "m": [
        "Will",
        "Mark",
        "Bill",
        "Hunter",
        "Frank",
        "Rob",
        "Drew",
        "Chase",
        "Ray",
        "Rich",
        "Robin",
        "Sunny",
        "Grant",
        "Miles",
        "Cliff",
        "Guy",
        "Don",
        "Jack",
        "Bob",
    ],
}
WORD_SUR = [
    "Wood",
    "Brook",
    "Hunter",
    "Bishop",
    "Bell",
    "Baker",
    "Mason",
    "Hall",
    "Hill",
    "Marsh",
    "King",
    "Young",
    "Long",
    "Sharp",
    "Bright",
    "Rose",
    "Moon",
    "Field",
    "Fox",
    "Swift",
    "Green",
    "Black",
    "White",
    "Lamb",
    "Page",
    "Wall",
    "Friend",
    "Cook",
    "Fisher",
    "Shepherd",
    "Day",
    "Knight",
    "Snow",
    "Best",
    "Strong",
    "Love",
]
HYPHEN_FIRST = {
    "f": [
        "Mary-Jane",
        "Lily-Mae",
        "Ellie-May",
        "Tia-Rose",
        "Kayla-Marie",
        "Lacey-Jo",
        "Anna-Maria",
        "Ruby-Leigh",
        "Amelia-Rose",
        "Sophie-Louise",
    ],
    "m": ["Alfie-James", "Tommy-Lee", "Jean-Paul", "Billy-Joe", "Riley-James", "Mohammed-Ali", "Jon-Paul", "Kai-Leon"],
}
DOUBLE_SUR = [
    "Smith-Jones",
    "Harding-Wright",
    "Lloyd-Evans",
    "Ahmed-Khan",
    "Okafor-Bello",
    "Price-Morgan",
    "Clarke-Bennett",
    "Fenwick-Hall",
    "Hughes-Ryder",
    "Campbell-Reid",
    "Mensah-Boateng",
    "Patel-Shah",
    "O'Neill-Walsh",
    "Kowalska-Nowak",
    "Da Costa-Reid",
]

# role -> (family member?, child?, gender: "m" / "f" / None)
ROLES = {
    "child": (True, True, None),
    "son": (True, True, "m"),
    "daughter": (True, True, "f"),
    "sib": (True, True, None),
    "yp": (True, True, None),
    "baby": (True, True, None),
    "nephew": (True, True, "m"),
    "niece": (True, True, "f"),
    "brother": (True, True, "m"),
    "sister": (True, True, "f"),
    "mum": (True, False, "f"),
    "dad": (True, False, "m"),
    "gran": (True, False, "f"),
    "nan": (True, False, "f"),
    "grandad": (True, False, "m"),
    "aunt": (True, False, "f"),
    "uncle": (True, False, "m"),
    "stepdad": (True, False, "m"),
    "parent": (True, False, None),
}
for _pro in [
    "sw",
    "ssw",
    "tm",
    "kw",
    "iro",
    "carer",
    "teacher",
    "head",
    "gp",
    "dr",
    "hv",
    "nurse",
    "advocate",
    "mp",
    "caseworker",
    "officer",
    "senco",
    "pa",
    "manager",
    "worker",
    "staff",
    "visitor",
    "cllr",
    "solicitor",
    "police",
    "interpreter",
    "neighbour",
    "partner",
    "friend",
    "ex",
]:
    ROLES[_pro] = (False, False, None)

STREETS = [
    "Acacia Avenue",
    "Mill Lane",
    "Rosebery Road",
    "Station Road",
    "Church Street",
    "High Street",
    "Victoria Road",
    "Park Road",
    "Queen Street",
    "New Road",
    "Manor Way",
    "Albert Street",
    "Grange Road",
    "Springfield Avenue",
    "Oak Close",
    "Beech Grove",
    "Elm Terrace",
    "Willow Drive",
    "Chapel Street",
    "King Street",
    "Green Lane",
    "Moorland Crescent",
    "Cemetery Road",
    "Railway Terrace",
    "Kings Road",
    "Orchard Way",
    "Meadow View",
    "Windsor Gardens",
    "Clarendon Road",
    "Tennyson Street",
    "Hawthorn Avenue",
    "Canal Street",
    "Brook Street",
    "Lime Grove",
    "Coronation Street",
    "Jubilee Close",
    "Foxglove Way",
    "Ash Tree Road",
    "Sycamore Court",
    "Holly Bank",
    "Priory Walk",
    "Mount Pleasant",
    "Cross Lane",
    "Field View",
    "Ivy Court",
    "St John's Road",
    "Wellington Street",
    "Heather Close",
    "Chestnut Rise",
    "Lancaster Drive",
    "Poplar Mews",
    "Marlborough Road",
]
# town -> outward codes, used so that a town and a postcode in the same text agree
TOWNS = {
    "Leeds": ["LS1", "LS6", "LS9", "LS11", "LS14"],
    "Manchester": ["M1", "M8", "M14", "M40"],
    "Birmingham": ["B12", "B21", "B33", "B44"],
    "Sheffield": ["S2", "S5", "S10"],
    "Bradford": ["BD3", "BD5", "BD8"],
    "Nottingham": ["NG5", "NG7", "NG11"],
    "Leicester": ["LE2", "LE3", "LE5"],
    "Bristol": ["BS5", "BS13"],
    "Liverpool": ["L4", "L8", "L20"],
    "Oldham": ["OL1", "OL9"],
    "Bolton": ["BL1", "BL3"],
    "Wakefield": ["WF1", "WF2"],
    "Hull": ["HU3", "HU9"],
    "Coventry": ["CV2", "CV6"],
    "Derby": ["DE22", "DE23"],
    "Newcastle": ["NE4", "NE6"],
    "Sunderland": ["SR4", "SR5"],
    "Stoke": ["ST1", "ST4"],
    "Wolverhampton": ["WV10", "WV4"],
    "Cardiff": ["CF24", "CF5"],
    "Glasgow": ["G31", "G42"],
    "Edinburgh": ["EH11", "EH7"],
    "Belfast": ["BT9", "BT12"],
    "London": ["SE15", "E17", "N17", "NW10", "W12", "SW1A"],
    "Preston": ["PR1", "PR2"],
    "Blackburn": ["BB1", "BB2"],
    "Doncaster": ["DN4", "DN5"],
    "Plymouth": ["PL2", "PL5"],
    "Southampton": ["SO14", "SO16"],
    "Luton": ["LU1", "LU2"],
}
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters allowed in the inward code (no C, I, K, M, O, V)
CITY_CODES = ["0113", "0114", "0115", "0116", "0117", "0118", "0121", "0131", "0141", "0151", "0161"]
EMAIL_DOMAINS = ["example.org", "example.com", "example.net"]
EMAIL_LOCALS = [
    "mum.of.three",
    "busymum2",
    "nan.and.grandad",
    "tired.dad",
    "fosterfamily.home",
    "kinship.carer",
    "wolves.fan.88",
    "lou-lou.b",
    "the_grans",
    "mummy2boys",
    "proud.nan",
    "carer.of.two",
    "happy.days1990",
    "jk.family",
    "xx.princess.xx",
    "lilz_b",
    "kai_2007",
    "no.more.excuses",
    "grandma.j",
    "the.fosterers",
    "football.dad",
    "mum2four",
    "sunflower.1982",
    "team.b.family",
    "littlemissmay",
    "bigdave.77",
    "just.a.mum",
    "r.and.t.home",
    "angry.parent.2023",
    "stokie.lad",
]
NI_PREFIXES = ["QQ", "AB", "JT", "KL", "NP", "PR", "SH", "WL", "YE", "HK", "CE", "MA", "ER", "ZS", "BR", "TW"]
CASE_FORMATS = [
    "CSC/{yyyy}/{d5}",
    "COMP-{yyyy}-{d4}",
    "LAC{d5}",
    "CF {yyyy} {d3}",
    "{yy}/{d5}/CP",
    "CS-{d6}",
    "STG2/{yyyy}/{d3}",
    "CIN-{yy}-{d4}",
    "CC/{d4}/{yy}",
    "COMP{yy}{d4}",
    "CP/{yy}/{d4}",
    "LADO-{yyyy}-{d3}",
    "SC{d6}",
    "EH/{yyyy}/{d4}",
]
MONTHS = [
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
]
FILLERS = {
    "_month": MONTHS,
    "_day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "_festival": [
        "Christmas",
        "Eid",
        "Diwali",
        "Easter",
        "Ramadan",
        "Hanukkah",
        "Vaisakhi",
        "New Year",
        "Bonfire Night",
        "half term",
    ],
    "_service": [
        "Children's Services",
        "the Leaving Care Team",
        "CAMHS",
        "the SEND team",
        "the Fostering Service",
        "Early Help",
        "the Disabled Children's Team",
        "the Virtual School",
        "the MASH",
        "the Children in Care Team",
    ],
    "_date": [
        "3rd March",
        "the 14th",
        "Tuesday 9th",
        "12 January",
        "Thursday 5th",
        "the 21st of June",
        "4 October 2023",
        "Friday 2nd",
        "the 30th",
        "1st February 2024",
        "the 2nd",
    ],
    "_school": [
        "the primary school",
        "the high school",
        "the academy",
        "the PRU",
        "the infant school",
        "the special school",
        "the sixth form college",
    ],
    "_age": ["14", "15", "16", "17", "15 yrs", "16 (nearly 17)"],
    "_area": ["North", "South", "East", "West", "Central", "Locality 2", "Locality 4"],
    "_venue": ["the Civic Centre", "the Town Hall", "the Customer Service Centre", "the Family Hub", "reception"],
    "_count": ["three", "four", "five", "six", "seven"],
    "_weeks": ["two weeks", "three weeks", "a month", "six weeks", "nearly two months"],
}
SLOT_RE = re.compile(r"\{([^{}]+)\}")
# Ofcom drama ranges, as national digits
PHONE_OK = re.compile(r"0(7700900|1632960|2079460|1(13|14|15|16|17|18|21|31|41|51|61)4960|2896496|2920180)\d{3}")

# --------------------------------------------------------------------------------------------------
# Identifier generators (only reserved / test / documentation ranges)
# --------------------------------------------------------------------------------------------------


def nhs_check_digit(nine: str) -> int:
    """Mod-11 check digit for the first nine digits; 10 means the candidate is invalid."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else check


def gen_nhs(rng: random.Random) -> str:
    while True:
        nine = "999" + f"{rng.randrange(10**6):06d}"
        check = nhs_check_digit(nine)
        if check != 10:
            break
    digits = nine + str(check)
    fmt = rng.choice(["spaced", "spaced", "plain", "dashed"])
    if fmt == "plain":
        return digits
    sep = " " if fmt == "spaced" else "-"
    return sep.join([digits[:3], digits[3:6], digits[6:]])


def gen_mobile(rng: random.Random) -> str:
    tail = f"{rng.randrange(1000):03d}"  # 07700 900000-900999
    return rng.choice(
        [
            f"07700 900{tail}",
            f"07700900{tail}",
            f"+44 7700 900{tail}",
            f"+447700900{tail}",
            f"07700 900 {tail}",
            f"07700-900{tail}",
            f"07700 900{tail}",
        ]
    )


def gen_landline(rng: random.Random) -> str:
    kind = rng.choice(["01632", "020", "city", "city", "028", "029"])
    n3 = f"{rng.randrange(1000):03d}"
    if kind == "01632":  # 01632 960000-960999
        return rng.choice([f"01632 960{n3}", f"(01632) 960{n3}", f"+44 1632 960{n3}", f"01632960{n3}"])
    if kind == "020":  # 020 7946 0000-0999
        return rng.choice(
            [
                f"020 7946 0{n3}",
                f"+44 (0)20 7946 0{n3}",
                f"(020) 7946 0{n3}",
                f"0207946 0{n3}",
                f"0207 946 0{n3}",
                f"02079460{n3}",
            ]
        )
    if kind == "city":  # 01xx 496 0000-0999
        code = rng.choice(CITY_CODES)
        return rng.choice(
            [
                f"{code} 496 0{n3}",
                f"({code}) 496 0{n3}",
                f"{code}-496-0{n3}",
                f"+44 {code[1:]} 496 0{n3}",
                f"{code}4960{n3}",
                f"{code} 4960{n3}",
            ]
        )
    if kind == "028":  # 028 9649 6000-6999
        return rng.choice([f"028 9649 6{n3}", f"+44 28 9649 6{n3}", f"(028) 9649 6{n3}"])
    return rng.choice([f"029 2018 0{n3}", f"(029) 2018 0{n3}", f"+44 29 2018 0{n3}"])  # 029 2018 0000-0999


def gen_ni(rng: random.Random) -> str:
    prefix = rng.choice(NI_PREFIXES)
    d = f"{rng.randrange(10**6):06d}"
    suffix = rng.choice("ABCD")
    value = rng.choice(
        [
            f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {suffix}",
            f"{prefix}{d}{suffix}",
            f"{prefix} {d} {suffix}",
            f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {suffix}",
        ]
    )
    return value.lower() if rng.random() < 0.2 else value


def national_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("440"):  # +44 (0)20 ...
        return digits[2:]
    if digits.startswith("44"):
        return "0" + digits[2:]
    return digits


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def gen_dob(rng: random.Random, style: str, years: tuple[int, int]) -> str:
    y = rng.randint(*years)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    month = MONTHS[m - 1]
    numeric = [
        f"{d:02d}/{m:02d}/{y}",
        f"{d}.{m}.{y % 100:02d}",
        f"{y}-{m:02d}-{d:02d}",
        f"{d}/{m}/{y}",
        f"{d:02d}-{m:02d}-{y}",
        f"{d}/{m}/{y % 100:02d}",
        f"{d:02d}.{m:02d}.{y}",
    ]
    written = [
        f"{ordinal(d)} {month} {y}",
        f"{month} {d}, {y}",
        f"{d} {month} {y}",
        f"{d} {month[:3]} {y}",
        f"{ordinal(d)} {month[:3]} {y}",
        f"{ordinal(d)} of {month} {y}",
    ]
    if style == "n":
        return rng.choice(numeric)
    if style == "w":
        return rng.choice(written)
    if style == "o":
        return f"{ordinal(d)} of {month} {y}"
    return rng.choice(numeric + written)


def gen_case_ref(rng: random.Random) -> str:
    fmt = rng.choice(CASE_FORMATS)
    year = rng.randint(2019, 2025)
    return fmt.format(
        yyyy=year,
        yy=f"{year % 100:02d}",
        d3=f"{rng.randrange(1, 1000):03d}",
        d4=f"{rng.randrange(1, 10**4):04d}",
        d5=f"{rng.randrange(1, 10**5):05d}",
        d6=f"{rng.randrange(10**5, 10**6)}",
    )


def gen_address(rng: random.Random) -> str:
    street = rng.choice(STREETS)
    n = rng.randint(1, 180)
    flat = rng.randint(1, 12)
    value = rng.choice(
        [
            f"{n} {street}",
            f"{n} {street}",
            f"{n} {street}",
            f"Flat {flat}, {n} {street}",
            f"{n}{rng.choice('abc')} {street}",
            f"Flat {flat} {n} {street}",
            f"Apartment {flat}, {n} {street}",
            f"flat {flat}, {n} {street}",
        ]
    )
    return value.lower() if rng.random() < 0.12 else value


def gen_postcode(rng: random.Random, town: str) -> str:
    outward = rng.choice(TOWNS[town])
    inward = f"{rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    r = rng.random()
    if r < 0.62:
        return f"{outward} {inward}"
    if r < 0.80:
        return f"{outward}{inward}"
    if r < 0.95:
        return f"{outward} {inward}".lower()
    return f"{outward}{inward}".lower()


def ascii_fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.replace("Ł", "L").replace("ł", "l"))
    return "".join(c for c in s if c.isascii() and (c.isalnum() or c in ".-_")).lower()


def email_from_name(rng: random.Random, first: str, last: str) -> str:
    f, sur = ascii_fold(first), ascii_fold(last)
    local = rng.choice(
        [
            f"{f}.{sur}",
            f"{f[0]}.{sur}{rng.randint(1, 99)}",
            f"{f}{sur}{rng.choice(['', '1', '84'])}",
            f"{sur}.{f[0]}",
            f"{f}_{sur}",
            f"{f}{rng.randint(70, 99)}",
            f"{f}.{sur[0]}",
            f"{f}{sur[:3]}{rng.randint(1, 30)}",
        ]
    )
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------
class Person:
    def __init__(self, first: str, last: str):
        self.first, self.last = first, last

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


class Context:
    """Holds the values chosen for one text, so repeated slots repeat the same value."""

    def __init__(self, rng: random.Random, origin: str | None):
        self.rng = rng
        self.values: dict[str, tuple[str, str | None]] = {}
        self.people: dict[str, Person] = {}
        self.used_first: set[str] = set()
        self.used_last: set[str] = set()
        self.family_origin = origin or self.pick_origin()
        self.family_surname: str | tuple | None = None
        self.town: str | None = None

    def pick_origin(self) -> str:
        return self.rng.choices(list(ORIGIN_WEIGHTS), weights=list(ORIGIN_WEIGHTS.values()))[0]

    def get_town(self) -> str:
        if self.town is None:
            self.town = self.rng.choice(sorted(TOWNS))
        return self.town

    def person(self, role: str) -> Person:
        if role in self.people:
            return self.people[role]
        base, _, flags = role.partition("_")
        root = base.rstrip("0123456789")
        if root not in ROLES:
            raise KeyError(f"unknown role {role!r}")
        family, _is_child, gender = ROLES[root]
        if "m" in flags:
            gender = "m"
        elif "f" in flags:
            gender = "f"
        gender = gender or self.rng.choice("mf")
        origin = self.family_origin if family else self.pick_origin()
        pool = ORIGINS[origin]
        for _ in range(200):
            if "w" in flags:
                first = self.rng.choice(WORD_FIRST[gender])
            elif "h" in flags:
                first = self.rng.choice(HYPHEN_FIRST[gender])
            else:
                first = self.rng.choice(pool[gender])
            if first not in self.used_first:
                break
        if family and self.family_surname is not None and not ({"s", "d"} & set(flags)):
            surname = self.family_surname
        else:
            for _ in range(200):
                if "s" in flags:
                    surname = self.rng.choice(WORD_SUR)
                elif "d" in flags:
                    surname = self.rng.choice(DOUBLE_SUR)
                else:
                    surname = self.rng.choice(pool["sur"])
                if str(surname) not in self.used_last:
                    break
            if family and self.family_surname is None:
                self.family_surname = surname
        last = surname[0 if gender == "m" else 1] if isinstance(surname, tuple) else surname
        self.used_first.add(first)
        self.used_last.add(str(surname))
        p = Person(first, last)
        self.people[role] = p
        return p

    def resolve(self, key: str) -> tuple[str, str | None]:
        base, *mods = key.split("|")
        value, typ = self._base(base)
        for mod in mods:
            value = {"lower": value.lower(), "upper": value.upper()}[mod]
        return value, typ

    def _base(self, base: str) -> tuple[str, str | None]:
        if base in self.values:
            return self.values[base]
        rng = self.rng
        kind = base.rstrip("0123456789")
        if base.startswith("_"):
            out = (self.get_town(), None) if kind == "_town" else (rng.choice(FILLERS[kind]), None)
        elif base.startswith("email@"):
            p = self.person(base[6:])
            out = (email_from_name(rng, p.first, p.last), "EMAIL")
        elif kind == "email":
            if rng.random() < 0.5:
                local = rng.choice(EMAIL_LOCALS)
                out = (f"{local}@{rng.choice(EMAIL_DOMAINS)}", "EMAIL")
            else:
                o = ORIGINS[self.pick_origin()]
                sur = rng.choice(o["sur"])
                sur = sur[0] if isinstance(sur, tuple) else sur
                out = (email_from_name(rng, rng.choice(o["f"] + o["m"]), sur), "EMAIL")
        elif kind == "phone":
            out = (gen_mobile(rng) if rng.random() < 0.55 else gen_landline(rng), "PHONE")
        elif kind == "mob":
            out = (gen_mobile(rng), "PHONE")
        elif kind == "land":
            out = (gen_landline(rng), "PHONE")
        elif kind == "pc":
            out = (gen_postcode(rng, self.get_town()), "POSTCODE")
        elif kind == "nhs":
            out = (gen_nhs(rng), "NHS_NO")
        elif kind == "ni":
            out = (gen_ni(rng), "NI_NO")
        elif kind in ("dob", "dobn", "dobw", "dobo"):
            out = (gen_dob(rng, kind[3:] or "any", (2005, 2021)), "DOB")
        elif kind == "adob":
            out = (gen_dob(rng, "any", (1958, 1999)), "DOB")
        elif kind == "ldob":
            out = (gen_dob(rng, "any", (2002, 2007)), "DOB")
        elif kind == "bdob":
            out = (gen_dob(rng, "any", (2023, 2024)), "DOB")
        elif kind == "addr":
            out = (gen_address(rng), "ADDRESS")
        elif kind == "ref":
            out = (gen_case_ref(rng), "CASE_REF")
        elif kind == "mosaic":
            out = (str(rng.randrange(10**6, 10**7)), "CASE_REF")
        elif kind == "lac":
            out = (f"LAC{rng.randrange(10**4, 10**5)}", "CASE_REF")
        else:
            role, _, part = base.partition(".")
            p = self.person(role)
            out = ({"": p.full, "first": p.first, "last": p.last}[part], "NAME")
        self.values[base] = out
        return out


def render(template: str, rng: random.Random, origin: str | None = None) -> tuple[str, list[dict]]:
    ctx = Context(rng, origin)
    parts: list[str] = []
    spans: list[dict] = []
    pos = 0
    last = 0
    for m in SLOT_RE.finditer(template):
        literal = template[last : m.start()]
        parts.append(literal)
        pos += len(literal)
        value, typ = ctx.resolve(m.group(1))
        if typ is not None:
            spans.append({"start": pos, "end": pos + len(value), "type": typ, "value": value})
        parts.append(value)
        pos += len(value)
        last = m.end()
    parts.append(template[last:])
    return "".join(parts), spans


# --------------------------------------------------------------------------------------------------
# Templates with identifiers (all hand-written; {_x} slots are untyped filler)
# --------------------------------------------------------------------------------------------------
TEMPLATES: list = [
    # --- formal letters from parents and relatives ---
    "Dear Complaints Team,\n\nI am writing to make a formal complaint about the way my son {son.first} has been "
    "treated by his social worker, {sw}. {son.first} is 11 (date of birth {dob}) and has been on a Child in Need "
    "plan since last spring. {sw.first} has cancelled four visits in a row without telling us.\n\nYou can reach me "
    "on {phone} or at {email@mum}.\n\nYours faithfully,\n{mum}",
    "To whom it may concern,\n\nMy granddaughter {daughter} was born on the {dobo} and has lived with me at {addr}, "
    "{pc} since she was a baby. I am 71 and my own date of birth is {adob}. The council now says I need to complete "
    "a new kinship assessment and send my National Insurance number ({ni}) again, even though I sent it in "
    "{_month}. I find this very upsetting and I would like one named person to deal with it.\n\n{gran}\nTel: {land}",
    "Dear Sir or Madam,\n\nRe: {child}, DOB {dobn}\n\nI wish to complain about the Child Protection conference held "
    "on {_date}. The minutes record that I agreed with the plan. I did not. I said clearly that I disagreed with "
    "the decision of the chair, Mrs {iro_f.last}, and I asked for that to be written down. I would like the "
    "minutes corrected and a copy sent to me at {addr}, {pc}.\n\nYours faithfully\n{parent}",
    "Dear {tm.first},\n\nThank you for your Stage 1 response. I do not accept it. Your letter says that {sw} "
    "visited {son.first} on three occasions. {son.first} says he has not seen a social worker since the summer, "
    "and I have the texts to prove it. Please escalate complaint {ref} to Stage 2. My number is unchanged "
    "({mob}).\n\nRegards,\n{dad}",
    "Good morning,\n\nPlease could you confirm receipt of my complaint about my son {son} ({dob}). The reference on "
    "your acknowledgement letter was {ref}. I have heard nothing since.\n\nMany thanks,\n{mum.first}",
    "Dear Complaints Manager,\n\nI would like to complain about Ms. {sw_f.last}, the social worker for my children. "
    "Ms. {sw_f.last} came to our home at {addr} on {_date} without notice and spoke to my eldest, "
    "{daughter.first}, on the doorstep in front of the neighbours. I have asked for a change of worker twice. "
    "Telephone {phone}, email {email@mum}.\n\nRegards,\n{mum}",
    "Dear Sir/Madam\n\nYour letter about my daughter {daughter} was posted to the wrong address. It went to "
    "{addr}, when we live at {addr2}. It had her date of birth ({dob}), her NHS number ({nhs}) and details of the "
    "Child Protection plan on it. This is a serious data breach and I want to know what you are doing about it.\n"
    "{mum}, {mob}",
    "I am writing about the parental contribution letter I received. It says I must pay towards {son}'s care "
    "because he is accommodated under Section 20. The letter has the wrong National Insurance number on it - mine "
    "is {ni}, not the one you have printed - and my old address. I now live at {addr}, {pc}. Please correct your "
    "records and explain how the contribution was worked out. Your ref: {ref}.\n{dad}",
    "Dear Children's Services,\n\nI'm {mum}, mum to {son.first} (9) and {daughter.first} (6). We were told at the "
    "Child in Need meeting that Dr {dr_m.last} from CAMHS had agreed the plan, but when I rang Dr {dr_m.last}'s "
    "secretary she said nobody had ever invited him. {son.first}'s NHS number is {nhs} if you need to check. I am "
    "very unhappy that decisions about my son are being made on things that aren't true.\n\nThanks,\n{mum.first}",
    "Good day. I am {dad_m}, the father of {son} and {son2.first}. I am writing to complain in the strongest terms "
    "about the conduct of Mr {sw_m.last}. On {_date} Mr {sw_m.last} told my wife in my absence that we would lose "
    "the boys. My wife, {mum.first}, was very frightened. We have cooperated fully at every stage. Our reference "
    "is {ref}. Kindly reply to {email@dad_m} or telephone {land}.",
    (
        "Dzień dobry. My English is not so good, sorry. I am {mum}, mother of {son.first} and {daughter.first}. "
        "Social worker Mrs {sw_f.last} say my children must go to family centre but nobody explain why. I have letter "
        "with number {ref}. My phone {mob}. My address {addr}, {pc}. Please I need Polish interpreter.",
        {"origin": "polish"},
    ),
    (
        "Hi there, I'm {mum}, from Cork originally but I've lived here eleven years. My son {son} (DOB {dob}) was "
        "placed with foster carers after an incident at school and I haven't been told where he is. The social worker, "
        "{sw}, said it was 'for safeguarding reasons'. I just need to know he's OK. Phone: {phone}. "
        "Address: {addr}, {pc}.",
        {"origin": "irish"},
    ),
    "Dear Mr {manager_m.last},\n\nFurther to our phone call, I enclose the details you asked for. My daughter "
    "{daughter}, born {dobw}, NHS number {nhs}. Her previous address was {addr}, {_town}. Her Mosaic ID, according "
    "to the letter from the Virtual School, is {mosaic}.\n\nI look forward to hearing from you.\n{mum}",
    "Dear Complaints Officer\n\nI am a foster carer and I wish to complain about the handling of an allegation "
    "against my household. The LADO referral (ref {ref}) was closed as unfounded in {_month}, yet my supervising "
    "social worker, {ssw}, still hasn't confirmed that our approval continues. My husband {partner_m.first} and "
    "I have had no placement for four months.\n\n{carer_f}\n{addr}\n{pc}\n{land}",
    "Dear Sir/Madam,\n\nI have been a kinship carer for my nephew {nephew} since {_month} last year. His date of "
    "birth is {dob}. Since the Special Guardianship Order was made, the support plan has not been followed at all. "
    "I was promised help with nursery costs. I have paid over nine hundred pounds myself. My NI number is {ni} in "
    "case you need it for the allowance. Please reply in writing to {addr}, {pc}.\n\nYours faithfully,\n{aunt}",
    # --- intake notes in the third person ---
    "Call received from {mum} (mother). States that her daughter {daughter} (DOB {dob}) was moved from her foster "
    "placement without notice. Mother unhappy that SW {sw.last} did not inform her. Mother's mobile: {mob}. Address "
    "given as {addr}, {_town} {pc}. Mosaic ID {mosaic}. Advised complaint will be logged at Stage 1.",
    (
        "Complaint taken by phone with Urdu interpreter. Complainant: {mum} (mother). Children: {son.first} (DOB {dob}) "
        "and {daughter.first} (DOB {dob2}). Mrs {mum.last} says the social worker, {sw}, told her the children would be "
        "removed if she did not sign a Section 20 form. She did not understand what she was signing. Mrs {mum.last}'s "
        "NI number (for benefits query): {ni}. Contact via interpreter on {phone}.",
        {"origin": "south_asian"},
    ),
    "Referral into complaints from {teacher}, Designated Safeguarding Lead at {_school}. {teacher.first} reports "
    "that {child}'s social worker has missed the last two Team Around the Child meetings. Pupil DOB: {dob}. School "
    "contact: {email@teacher} / {land}. Case ref on Mosaic: {mosaic}.",
    "Complainant ({mum}) came to {_venue} in person, very distressed. States that {son} (DOB {dob}) has been placed "
    "40 miles away and she has been given no help with travel. Complainant gave address as {addr} {pc} and mobile "
    "{mob}. Passed to duty TM ({tm.first}). Complaint ref created: {ref}.",
    "TC from dad ({dad}) 11:20. Upset re contact. States SW ({sw.first}) cancelled x3. Son {son.first} DOB {dobn}. "
    "Dad's no. {phone}. Advised of complaints process. Logged as {ref}.",
    "Intake note. Caller: {dad_w} (father). {dad_w.first} states his son {son_w.first} ({dob}) was stopped from "
    "seeing him after an argument with staff at the children's home. {dad_w.first} says a staff member, "
    "{staff_s}, swore at {son_w.first}. Mark this as urgent per TM. Callback on {phone}.",
    "Caller would not give full name (gave first name {mum.first} only). Lives in the {pc} area. Complaint about "
    "Early Help worker {worker} not turning up to three planned sessions. Caller asked that we don't write to the "
    "house. Agreed to email instead: {email}.",
    "Case note (complaints): Mosaic ID {mosaic}. YP {yp} reports being asked to leave semi-independent "
    "accommodation with 24 hours' notice. YP gave mobile {mob} and email {email@yp}. YP's PA is {pa}. YP's DOB "
    "{ldob}. Forwarded to Leaving Care TM for urgent response.",
    "Walk-in at {_venue}. {gran} (maternal grandmother, DOB {adob}) wishes to complain that she was not told "
    "{daughter.first} had been moved to a new placement. {gran.first} says she found out from {daughter.first}'s "
    "school. Address: {addr}, {pc}. Tel {land}. Acknowledgement to be sent within 3 working days.",
    "Complaints log entry - {ref}\nComplainant: {parent}\nRelationship: parent\nChild: {child} (NHS {nhs})\n"
    "Summary: parent states the Child in Need plan was closed without a meeting. Parent says {sw.first} told "
    "them by text. Parent asks for plan to be reopened.\nPreferred contact: email, {email@parent}",
    "Phone call from {officer_f}, PC from the local neighbourhood team, raising a concern as a professional. She "
    "reports that {yp} ({dob}) has been reported missing from placement seven times since {_month} and that no "
    "return home interview has been done. Officer's contact: {land}. Young person's case number: {ref}.",
    "Emailed complaint received and logged. Sender {advocate} (advocacy service) on behalf of {yp.first|lower} "
    "- note YP's name typed in lower case throughout the email. Concerns: placement move, no notice; phone "
    "confiscated by {staff}. Advocate email {email@advocate}, mobile {mob}.",
    "Second call from {mum.first} today re {son.first}. She was crying. Says {son.first} has not been collected "
    "for contact for the second week. {mum.first} gave new number {mob} (old one no longer works). DOB checked: "
    "{dobn}. Passed to {tm}.",
    "Note of meeting with complainant. Present: {mum} (complainant), {advocate} (her advocate), {officer} "
    "(Complaints Officer). {mum.last|upper} explained that the parenting assessment by {sw} was based on the wrong "
    "address ({addr}). Ms {mum.last} has never lived there. Ref {ref}.",
    (
        "Interpreter-assisted call (Romanian). Caller {dad_m} says his son {son} was taken into police protection on "
        "{_date}. Father's DOB {adob}, NI {ni}. Wants to know why he cannot see the boy. Address {addr}, {pc}.",
        {"origin": "romanian"},
    ),
    # --- angry emails ---
    "THIS IS THE THIRD TIME I HAVE WRITTEN. my daughter {daughter.first|lower} has been waiting 9 months for a "
    "CAMHS appointment and her social worker {sw.first} just keeps saying its 'in hand'. its NOT in hand. ref "
    "{ref}. ring me {mob}",
    "Subject: DISGUSTING\n\nWho is {tm}?? Because apparently they're the team manager and they've decided my "
    "nephew {nephew.first} doesn't need a Child in Need plan anymore. Nobody asked me. Nobody asked his school. "
    "{nephew.first} is 8. EIGHT. I've been his main carer since his mum went into hospital. I want a call from "
    "someone senior on {mob} TODAY.\n\n{aunt}\n{addr}",
    "I have NEVER been so dissapointed in a public service. My grandaughter {daughter.first} was taken into care on "
    "{_date} and we were told we would be assessed as kinship carers. Its now been 5 months. FIVE MONTHS. We have "
    "rang, emailed, written letters. {sw.first} has now left and the new social worker {sw2_f} says she's 'getting "
    "up to speed'. Meanwhile {daughter.first} is living with strangers. Our address is {addr} and we are on "
    "{land}.\n{grandad.first} and {gran.first}",
    "{sw}'s report is full of mistakes. {sw.last} wrote that {son.first}'s dad lives with us. He doesn't and never "
    "has. {son.first}'s school wasn't even contacted. I want the report corrected. {son.first}'s DOB is {dob} and "
    "the case ref is {ref}.\n- {mum}, {addr}",
    "Subject: complaint {ref} - STILL NO REPLY\n\nIt's been 28 working days. Your own policy says 10. {officer} "
    "promised me a response by {_day}. Nothing. I'm copying in my MP. My son {son} deserves better than this.\n"
    "{dad}\n{phone}",
    "You've spelt my son's name wrong AGAIN. It's {son.first}, not whatever you wrote. And you have his date of "
    "birth as the wrong year, it's {dobn}. If you can't get basic details right how am I supposed to trust the "
    "rest of it? Complaint {ref}. {mum.first}",
    "Subject: Re: Re: Re: Complaint\n\nNo, I will NOT 'hold on for a call back'. I've held on since {_month}. "
    "{sw_f.first|lower} (I don't even know her surname) told {daughter.first} she'd be home for her birthday. "
    "{daughter.first} cried all night. Email me at {email@mum} or don't bother.",
    "To the manager of the Children in Care team. Your worker {sw} called my mother a liar in a meeting in front of "
    "my little sister {sister.first}. {sw.last} should be ashamed. I'm {yp}, I'm 17, and I'm making this complaint "
    "myself. Mosaic number {mosaic}. My email is {email@yp}.",
    "I want it noted that {staff_w} at the children's home locked my son {son.first} out in the rain. "
    "{staff_w.first} then told the night manager he'd run off. He hadn't. {son.first} is 12. Will someone "
    "PLEASE look into this. Ref {lac}. Phone {phone}.",
    "Subject: your so called 'investigation'\n\nThe Investigating Officer ({officer}) never spoke to me, never "
    "spoke to {son.first}, never spoke to his dad. How is that an investigation? I want Stage 3. Ref {ref}. "
    "{mum}, {addr}, {pc}",
    "Why has my NHS number been put on my son's file? {nhs} is MINE, not {son.first}'s. Your records are a mess. "
    "And the GP letter went to {addr} which isn't even our house. Sort it out. {mum}",
    # --- short texts / messages ---
    "hi its {mum.first}, {son.first}s mum. no one turned up for contact today. call me back on {mob}",
    "{sw_f.first|lower} said she'd ring at 2. its 5. this is ridiculous. {child.first|lower} is still at my mums. "
    "{mob}",
    "{mum.first|lower} here again. still waiting on a call re {ref}. {mob}",
    "can u pass this to whoever does complaints. {son.first|lower}'s camhs referral got lost. his nhs number is "
    "{nhs} and dob {dobn}. i already gave this to {sw.first|lower} twice. my number {mob}",
    "Hi, it's {nan}, {child.first}'s nan. Any news on the complaint? My email is {email}. Ta.",
    "msg from {yp.first}: pls tell {pa_f.first} my new address is {addr} {pc}. she never answers",
    "This is {dad}. {son.first}'s dad. Ring me {phone}. Re complaint {ref}.",
    "running late for the meeting, tell {iro.first} sorry. {mum.first} ({mob})",
    "ok. {sw.first} came. stayed 10 mins. didnt even see {daughter.first|lower}. complaint ref is {ref} i think",
    "Hi its {carer.first} ({child.first}'s carer). New email for us is {email}, the old one's closed. Thanks",
    "new number for {mum.first} (mum of {son.first|lower}, DOB {dobn}): {mob}",
    # --- young people ---
    "hi my name is {yp.first} and im 15. my social worker {sw.first} said i could complain here. i dont want to "
    "move placement again, ive moved 4 times this year. my carer {carer.first} is nice but {sw.first} wont listen. "
    "my number is {mob} pls dont tell my mum",
    "why does nobody listen to me. {iro.first} the IRO said id be back with my mum by christmas and now its "
    "{_month}. my sw {sw.first} just says 'we're working on it'. my mum is {mum} and her number is {mob} if you "
    "want to actually talk to her. {yp.first}, {_age}",
    "staff at the home are horrible esp {staff_w.first} and {staff2.first}. {staff_w.first} took my phone for a "
    "week for nothing. i told my IRO {iro} and nothing happend. i want to move. {yp.first|lower}",
    "{yp_w.first} here. Will anyone read this? I've been told my PA {pa} is leaving and I'll get someone new in "
    "May. May be sooner, may be later, nobody knows. My DOB is {ldob} and my email is {email@yp_w}. {yp_w.first}",
    "I need help. I'm 18 and I'm trying to open a bank account but I don't have ID because my social worker never "
    "applied for my passport. I have my NI number ({ni}) but the bank wants more. My PA said to complain. My name's "
    "{yp}, DOB {ldob}, I'm at {addr}, {pc}.",
    "hiya, im {yp.first|lower}, i left care last yr. my pa changed AGAIN and the new one {pa.first} doesnt reply. i "
    "was ment to get my setting up home allowance and it never came, ive been sleeping on a mates sofa at {addr} "
    "for 3 weeks. my NI no is {ni} cos the job centre keep asking for it. my mobile is {mob} but i dont always have "
    "credit so email {email@yp}",
    "I'm a care leaver, 19, and my PA {pa.first} hasn't been in touch since {_month}. I need my National Insurance "
    "letter for a job and the Leaving Care Team had my documents. They've lost them. My NI is {ni} if that helps "
    "but I need the actual letter. Email me {email@yp} or text {mob}. {yp.first}",
    "My name is {yp} and I am in care. I want to complain because my brother {brother.first} lives with different "
    "carers and we only see each other once a month. {brother.first} is my only family. My social worker is "
    "{sw.first} and my IRO is {iro}. My carer's house is {addr}. I am {_age}.",
    "this is {yp.first|lower} from the childrens home at {addr}. i want to complain about the night staff. they "
    "film us on there phones. my keyworker {kw.first} knows. dont tell them i wrote this. {email@yp}",
    "Hello. I'm {yp}. I came to the UK on my own when I was 15 and I'm looked after by the council. My age "
    "assessment said my date of birth is {dob} but that is wrong, my real birthday is {dob2}. Nobody will change "
    "it. My social worker {sw_f.first} says it's not her decision. My phone {mob}.",
    "im {yp.first} ({ldob}) and my PA {pa_wf} keeps cancelling. {pa_wf.first} said shed help with college forms and "
    "then just didnt. my NI no. is {ni} for the bursary. ring {mob}",
    # --- MPs' offices and councillors ---
    "Dear Complaints Manager,\n\nRe: {gran} - {addr}, {_town}, {pc}\nOur ref: {ref}\n\nI am writing on behalf of "
    "my constituent, Mrs {gran.last}, who is the kinship carer for her grandson {son} (born {dobw}). "
    "Mrs {gran.last} tells me that her Special Guardianship allowance has been reduced without explanation and that "
    "her calls to {sw} have gone unanswered. I would be grateful if you could look into this and reply to me "
    "directly.\n\nYours sincerely,\n\n{caseworker}\nSenior Caseworker, Office of {mp}",
    "Hi, constituent {dad} ({email@dad}, {mob}) has been in touch about his son {son.first}'s placement breaking "
    "down. Could you let me know where this is up to with your team? Our case ref is {ref}. Thanks, "
    "{caseworker.first}, Office of {mp}",
    "Dear Director of Children's Services,\n\nMy constituent {mum} of {addr}, {pc} has asked me to raise her "
    "concerns about the support given to her son {son.first} ({dob}), who has an EHCP. Ms {mum.last} says that "
    "her complaint ({ref}) has been open since {_month} without a response. I would be grateful for an urgent "
    "update.\n\nYours sincerely,\n{mp}\nMember of Parliament",
    "From the office of Cllr {cllr.last}: a resident, {parent} ({phone}), has asked the councillor to chase a "
    "complaint about a Child Protection enquiry involving {child.first}, DOB {dobn}. Could the complaints team "
    "contact {parent.first} directly please.",
    "Dear Sir/Madam, I am a caseworker for {mp}. We have been contacted by {dad}, {addr}, {pc}, whose NI number "
    "{ni} appears on a council letter about his daughter {daughter.first} that he says was sent to his former "
    "partner's address in error. He is extremely concerned about his safety. Please treat this as urgent. "
    "{caseworker}, {email@caseworker}",
    "Constituency office - casework referral\nConstituent: {gran}\nAddress: {addr}, {pc}\nTel: {land}\n"
    "Issue: kinship care allowance stopped for granddaughter {daughter} (DOB {dob}). Council ref quoted: {ref}.\n"
    "Action requested: investigate and reply to {caseworker.first} at this office.",
    # --- advocates and professionals ---
    "I am an independent advocate working with {yp}, who is 16 and placed in a children's home out of area. "
    "{yp.first} has asked me to submit this complaint on their behalf. {yp.first}'s concerns are: (1) their "
    "Independent Reviewing Officer, {iro}, has not met with them alone; (2) their pocket money has been withheld; "
    "(3) they have not been told why contact with their brother {brother.first} stopped. {yp.first}'s date of "
    "birth is {dob} and their case number is {ref}. Please send all correspondence to me at {email@advocate}.",
    "I am writing as {child}'s advocate. {child.first} is 13, autistic and non-verbal, and has an EHCP. The short "
    "breaks package was cut from 12 to 4 nights a year at a review that neither {child.first} nor the mother, "
    "Ms {mum.last}, was invited to. Ms {mum.last} lives at {addr}, {pc}. Please treat this as a Stage 1 "
    "complaint and send the response to {email@advocate}. Mosaic ID {mosaic}.",
    "I am the GP for {child} (NHS {nhs}), DOB {dob}. I referred this child to Children's Services on safeguarding "
    "grounds and received no acknowledgement. I later heard from the family that the case was closed without any "
    "contact with the practice. I would be grateful for a response.\nDr {gp.last}, {_town}, {land}",
    "Health visitor {hv} raising a professional complaint. Baby {baby} (NHS {nhs}, DOB {bdob}) was discharged "
    "home on a safety plan that Children's Services agreed to monitor. No social worker visited within the agreed "
    "48 hours. The family live at {addr}, {pc}. {hv.first} can be contacted on {land} or {email@hv}.",
    "Re: {child} - NHS no. {nhs} - DOB {dob}\n\nI'm the school nurse. I raised concerns about {child.first}'s "
    "weight loss with the allocated social worker, {sw}, in {_month} and again after {_festival}. I have had no "
    "reply to either email. {nurse}, School Nursing Team, {land}",
    "We act for {mum}, the mother of {child} (date of birth {dob}). Our client instructs us that the council's "
    "Stage 1 response (your reference {ref}) failed to deal with her concerns about the parenting assessment "
    "completed by {sw}. We invite you to escalate the matter to Stage 2. We also note that our client's address, "
    "{addr}, {pc}, was disclosed to the child's father without her consent. Please write to {email}.",
    "As SENCo at {_school} I want to raise a concern on behalf of a family. {child} ({dobn}) has an EHCP that names "
    "a 1:1 but the funding stopped in {_month}. The social worker, {sw_f.first}, {_hedge} knows. Mum, "
    "{mum.first}, is happy for me to raise this. My direct line: {land}. {senco}",
    "Dear colleagues, I'm the Independent Visitor for {yp.first} (Mosaic {mosaic}). {yp.first} told me on my last "
    "visit that staff had read {yp.first}'s diary out loud. I'd like this logged as a complaint. "
    "{visitor}, {email@visitor}, {mob}",
    "Professional concern from {dr} (consultant paediatrician). The discharge summary for {child} (NHS {nhs}) was "
    "sent to the allocated team on {_date}. Children's Services later told the family no concerns had been "
    "received. Please investigate. Secretary: {land}.",
    # --- foster carers and kinship carers ---
    "We are the foster carers for {child} (our ref {lac}). Since {child.first} came to live with us in {_month}, "
    "the Fostering Service has not paid the agreed allowance. Our supervising social worker, {ssw}, has been off "
    "sick for weeks and nobody has covered. Please contact us by email at {email} or on the landline, {land}.\n\n"
    "Kind regards,\n{carer} and {carer2}",
    "Dear Fostering Service,\n\nWe have fostered with the council for six years. Our fostering allowance statements "
    "for this tax year show the wrong National Insurance numbers. {carer.first}'s is {ni} and {carer2.first}'s is "
    "{ni2}. HMRC has now written to us. Our supervising social worker, {ssw}, has not been able to help. Please "
    "call {land} or email {email}.\n\n{carer} and {carer2}",
    "My complaint is about {carer_ws}, our foster carer. For the last few weeks {carer_ws.first} has stopped my "
    "daughter {daughter.first} from phoning me. When I asked why, {carer_ws.first} said it was on the social "
    "worker's instruction. Nobody told me. I am {mum}, {mob}, {email@mum}.",
    "My daughter {daughter_w.first} has been in the same placement for two years and now they want to move her. "
    "{daughter_w.first} is settled, she's doing well at school, and her foster carer {carer_ws} is the best thing "
    "that ever happened to her. Will someone explain why? Please reply to {email} or call {mob}.",
    "As {child.first}'s foster carer I have to complain about the delay in getting consent for a passport. "
    "{child.first} (LAC no. {lac}, DOB {dob}) has missed a school trip because of it. I've emailed {sw} five times. "
    "Contact me on {phone}. {carer}",
    "I'm {grandad}, I'm 68 and I look after my grandson {son.first} full time. My date of birth is {adob}, my NI "
    "number is {ni}. I've filled in the same form three times. Each time someone new rings and asks for it again. "
    "I'd like a single worker please. {land}",
    "Special Guardian complaint. We were promised support at the final hearing. {son.first} and {daughter.first} "
    "have lived with us at {addr}, {pc} for two years and we've had one visit. {gran_d}, contact {email@gran_d}",
    "Re our foster child {child.first} (Mosaic ID {mosaic}). {child.first}'s mum has been given our home address "
    "({addr}) by mistake. This was in a letter from {sw}. We are now frightened. We need someone to ring us today "
    "on {land}. {carer}",
    "Hi, I'm one of the supported lodgings hosts. The young person staying with me, {yp_f.first}, hasn't had "
    "a visit from her PA ({pa}) since {_festival}. {yp_f.first}'s phone is {mob}. Mine is {phone2}. {carer_f.first}",
    # --- long rambling messages ---
    "ok so I don't even know where to start with this. basically my ex {ex_m.first} has contact with the kids "
    "every other weekend and the social worker (I think she's called {sw_f}? or maybe thats the manager) said "
    "she'd do a risk assessment before the next one. that was in {_month}. since then {ex_m.first} has turned up "
    "at the school twice, {daughter.first|lower} came home in tears, and when I rang the number on the letter "
    "({land}) it just rings out. I'm at {addr} if anyone actually wants to come and see for themselves, the post "
    "code is {pc}. I've got {son.first} who's 6 and {daughter.first} who's 9 and I'm trying to keep things normal "
    "for them but its hard. sorry for the long message. {mum.first}",
    "Right. I'll try and put this in order. On {_date} {sw} rang and said {daughter.first} couldn't come home "
    "for the weekend. No reason. Then on the {_day} {tm.first} (team manager?) rang and said she could. Then "
    "{sw.first} rang back and said no again. {daughter.first} had her bag packed. She's 10. Do you know what that "
    "does to a child. I've been told to complain so here I am. {mum}. {mob}. We're at {addr}. I've also emailed "
    "from {email@mum} but I don't know if it went through because nobody ever replies to anything.",
    "I'm writing this at 2am because I can't sleep. My son {son.first} has been in care for {_weeks} and I still "
    "haven't had a proper explanation. The police came, then a social worker called {sw_m.first}, then another "
    "one called {sw2_f.first}. Nobody's given me anything in writing. His dad ({dad.first}) doesn't even know yet "
    "because he's working away. {son.first}'s birthday is {dobw} and I want to know if I'll see him on it. I'm on "
    "{mob}. Please please someone ring me. {mum}",
    "So I'm the grandad, I'll keep this short-ish. {gran.first} and I have had {son.first} and his sister since "
    "{_festival}. The social worker, young lad called {sw_m.first}, very pleasant, but useless if I'm honest. "
    "Promised us a support package, a carer's assessment, respite, the lot. We've had none of it. {son.first}'s "
    "got ADHD and is up half the night. {gran.first}'s not well herself. Our address is {addr}, {_town}, {pc}. "
    "Our number is {land}. The reference we were given is {ref}. {grandad}",
    "Not sure if this is the right place but here goes. My friend told me to write to the complaints team. I have "
    "a son, {son} ({dob}), and a daughter, {daughter.first}. In {_month} someone made an anonymous referral about "
    "us. Fine. The social worker {sw} came, we cooperated, and the case was closed. BUT the letter closing it went "
    "to my old address ({addr}) and the new people there opened it. They know everything now. I'm absolutely "
    "mortified. I have moved to {addr2}. Please can you explain how this happened. {mum.first}, {email@mum}",
    "i am so tired of this. {child.first|lower}s been out of school 6 weeks because the transport was stopped and "
    "nobody from the council will tell me why. i asked {sw.first} who said ask SEND, SEND said ask the social "
    "worker, round and round. {child.first|lower} is autistic and needs routine, shes going backwards. i cant "
    "drive. we live at {addr|lower}, {pc}. my number is {mob}. i want someone to take responsibility",
    "Hello, I hope this reaches the right person. I'm {mum}. I had my baby {baby.first} on {bdob} and she was "
    "removed at the hospital. I understand there were concerns but the way it was done was cruel. The social "
    "worker, {sw}, didn't even let me hold her. My midwife {nurse_f.first} saw everything. I'm now staying at "
    "{addr}, {pc}. My NHS number is {nhs} if the hospital records are needed. Thank you for reading this.",
    # --- web forms and structured submissions ---
    "Complaint form submission\nName: {mum}\nAddress: {addr}\nPostcode: {pc}\nTelephone: {phone}\nEmail: "
    "{email@mum}\nChild's name: {child}\nChild's DOB: {dobn}\nNature of complaint: The assessment was completed "
    "without speaking to me. The social worker ({sw}) relied on what the school said. I want it redone.",
    "ONLINE FORM\nYour name: {dad|lower}\nYour email: {email}\nPhone: {mob}\nWho is the complaint about? "
    "{sw}\nWhat happened? refused to give me copies of the court report. my daughter {daughter.first|lower} is "
    "the subject.\nWhat would put it right? copies of everything",
    "Form: Stage 2 request\nComplainant: {parent}\nComplaint ref: {ref}\nChild: {child} | DOB: {dob} | "
    "NHS: {nhs}\nReason for escalation: the Stage 1 response did not address points 2 and 4.\nContact: {phone}",
    "First name: {yp.first}\nSurname: {yp.last}\nDate of birth: {ldob}\nNational Insurance number: {ni}\n"
    "Address: {addr}\nPostcode: {pc}\nDescribe your complaint: leaving care grant not paid. PA ({pa.first}) "
    "says it is with finance.",
    "Subject: Complaint form\n\nTitle: Mx\nName: {parent}\nEmail: {email@parent}\nTel: {land}\nRelationship to "
    "child: parent\nChild: {child.first}\nDetails: I asked for my pronouns to be used and the social worker "
    "{sw.last|upper} refused in the meeting.",
    "Name of child(ren): {son}, {daughter}\nDates of birth: {dob}, {dob2}\nParent/carer: {mum}\nNI no: {ni}\n"
    "Summary: family support worker ({worker}) shared our details with a neighbour.",
    "Feedback form - comment box: 'The duty worker {worker.first} was rude to me on the phone and hung up. My "
    "case number is {ref} and my postcode is {pc}.' Name given: {mum}. Email: {email}.",
    "COMPLAINT\nName: {mum|upper}\nTel: {mob}\nAddr: {addr|upper} {pc}\nRe: {son.first|upper} (DOB {dobn})\n"
    "About: SOCIAL WORKER {sw|upper} NOT TURNING UP",
    # --- email threads and transcripts ---
    "From: {mum} <{email@mum}>\nSent: {_day} 08:14\nSubject: Re: Complaint {ref}\n\nI've read your reply. You "
    "say {sw.first} 'made every effort' to contact me. I have one missed call in six weeks, from {land}. That "
    "is not every effort.",
    "[Web chat 14:02] Visitor: hello is this complaints\n[Web chat 14:02] Agent: Yes, how can I help?\n[Web chat "
    "14:03] Visitor: my name is {dad} and my daughter {daughter.first} is in foster care. I havent seen her for 6 "
    "weeks\n[Web chat 14:05] Agent: I'm sorry to hear that. Can I take a contact number?\n[Web chat 14:05] "
    "Visitor: {mob}\n[Web chat 14:06] Visitor: her social worker is {sw.first} from the {_area} team. "
    "{daughter.first} is 7",
    "Voicemail 09:47: 'Hi, it's {nan}, I'm {child.first}'s nan, I've been trying to get hold of someone about "
    "the contact arrangements, could somebody ring me back on {land}, that's {land}, thank you.'",
    "Voicemail transcript (auto): hi yeah its {dad|lower} calling about my lad "
    "{son.first|lower} um the reference is {ref} um call me on {mob} cheers",
    "-----Original Message-----\nFrom: {sw} \nTo: {mum.first}\nSubject: visit\n\nHi {mum.first}, I won't be able "
    "to make it today.\n\n-----\n\nThis is the FOURTH time. Forwarding to complaints. {mum}, {phone}",
    "Sent from my iPhone\n\n> On {_day}, {officer} wrote:\n> Can you confirm your address please?\n\n{addr}, "
    "{pc}. Same as last time. {parent.first}",
    # --- hard cases: word-names, hyphens, lower case, double-barrelled ---
    "{daughter_w.first} and her brother {son.first} were meant to go on the summer trip with their carers. Summer "
    "comes round every year, so why was the consent form not signed? Children's Services refused it at the last "
    "minute. Ref {ref}. Contact: {email@mum}.",
    "dear complaints, my name is {mum_d|lower} and im writing about my son {son_h.first|lower}. hes 10 and his dob "
    "is {dobn}. the social worker {sw_f.first|lower} said she would sort out his EHCP but nothing happened. my "
    "postcode is {pc} and my phone is {mob}. thanks {mum_d.first|lower}",
    "My name is {mum_hd} and my daughter is {daughter_h}. {daughter_h.first} is 14. The school has been told by "
    "{sw} that {daughter_h.first} is 'known to social care', which I never agreed to. Please reply to {email} or "
    "{addr}, {pc}.",
    "{son_w.first} is my son. He is 9. {son_w.first}'s social worker, {sw_w}, has not seen him since {_month}. "
    "Hope this is the right email. Will wait to hear. {mum}, {mob}",
    "My daughter {daughter_w.first} is 15 and was placed in a unit miles away. Grace, patience and faith are what "
    "I've needed to get through this. {daughter_w.first}'s IRO is {iro}, who hasn't returned a single call. I'm "
    "on {phone}. {mum_w}",
    "Complaint from {mum_s} about {sw_ws}. {mum_s.last} says {sw_ws.first} visited while drunk. {sw_ws.first} "
    "denies this. Children: {son.first} ({dob}), {daughter.first} ({dob2}). {mum_s.first}'s mobile {mob}.",
    "I'm writing about the foster carers, {carer_ws} and {carer2_s}. My son {son_w.first} says {carer2_s.first} "
    "shouts at him every morning. {son_w.first} won't lie about something like that. Ref {lac}. {dad}, {phone}",
    "Is it the Leaving Care Team or Housing who pay the bill? Nobody knows. {pa_w} is the PA. {pa_w.first} "
    "told my daughter {daughter.first} she would get her deposit paid and then nothing. We live at {addr}. "
    "I'm {mum.first}.",
    "{sw_w.first} again. I'm sorry but {sw_w.first} has to go. My children {son.first} and {daughter.first} "
    "are scared of {sw_w.last|lower}. Mosaic {mosaic}. {mum}, {pc}.",
    "Dear Sir, my grandson {son_h} (born {dobw}) lives with me. His social worker {sw_df} has cancelled every "
    "review. Mrs {sw_df.last} doesn't reply to letters. I'm {grandad}, {addr}, {pc}, {land}.",
    "Complaint re {iro_s}, IRO. Parent ({mum}) says {iro_s.last} refused to let her speak at the LAC review for "
    "{child.first}. Mrs {mum.last} asks for a new IRO. Contact {email@mum} / {mob}.",
    "{yp_w.first|lower} here. my pa is {pa_wsf.first|lower} {_pause} and i want a new one. she said my "
    "national insurance card would come in May and its now {_month}. my number {mob}",
    "Please mark this as a formal complaint. My daughter {daughter_w.first}'s social worker, {sw}, wrote in her "
    "report that {daughter_w.first} 'may benefit from a change of school' - without asking us. Our postcode "
    "is {pc}. {dad}, {email@dad}",
    "Re: {child_h} (DOB {dob}). {child_h.first|lower}'s name is spelt wrong on every letter. It has a hyphen. "
    "Your ref {ref}. {parent}",
    "To the Complaints Team. {nan_w} here, {daughter.first}'s nan. Summer is nearly over and she's still not "
    "got a school place. Dawn till dusk I've been ringing. {nan_w.first} {_sign}, {land}",
    "Our foster son {son_w.first} (ref {lac}) and his sister {daughter_w.first} were split up without warning. "
    "{son_w.first} keeps asking for {daughter_w.first}. Please ring {phone}. {carer}",
    "My son's name is {son_w.first}. Not a nickname, not a typo. {son_w.first}. It says so on his birth "
    "certificate (DOB {dob}). The school and social care keep getting it wrong. {dad_s}, {email@dad_s}",
    "{mum_w} here, {son.first}'s mum, writing on {_day} because I've had enough. The duty worker said "
    "someone would call back. Nobody called. My phone bill rose by a tenner chasing you. {mob}. Ref {ref}.",
    # --- more varied registers ---
    "Dear team, a quick one: please update your records. {yp}, Mosaic ID {mosaic}, has moved to {addr}, {pc}. "
    "New mobile {mob}. Thanks, {pa}, Personal Adviser",
    "Statement for Stage 2 investigator. I, {mum}, date of birth {adob}, make this statement about the care of my "
    "son {son} ({dob}). On {_date} I was told by {sw} that I could not attend the review. This was wrong.",
    "Formal complaint - Disabled Children's Team\nParent: {parent}\nChild: {child} (NHS {nhs})\nAddress: {addr}, "
    "{pc}\nIssue: direct payments stopped without notice.\nContact: {email@parent}",
    "i want to complain about {sw_m} he came to my house at {addr} and shouted at my partner {partner_m.first}. "
    "my son {son.first|lower} was there and hes only 4. ref {ref}",
    "Dear Complaints Team, I am the aunt of {niece} ({dob}). My sister {mum.first} and I have both asked for a "
    "family group conference since {_month}. Nobody has organised one. Please contact me on {phone} or "
    "{email@aunt}. {aunt}",
    "Re: {yp}, care leaver, DOB {ldob}, NI {ni}. I am {yp.first}'s PA and I'm raising a complaint on their "
    "behalf about Housing Options refusing a referral. {pa}, {land}",
    "Concern raised by {neighbour_f}, neighbour, at {addr}. {neighbour_f.first} says the children next door were left "
    "alone overnight and when she rang the out-of-hours line on {_date} nobody called back. Her number: {land}. "
    "She does not want the family told she called.",
    "I'd like to make a complaint about the interpreter, {interpreter}, used at my child protection conference. "
    "{interpreter.last} did not translate what I said properly. My son is {son} and the case number is {ref}. "
    "My phone is {mob}.",
    "Dear Sir or Madam, my husband {dad.first} and I adopted {daughter.first} in {_month}. Post-adoption support "
    "promised therapy. Nothing has happened. {daughter.first}'s NHS number is {nhs}. I'm {mum}, {addr}, {pc}.",
    "COMPLAINT AGAINST {sw_f|upper}. She told my daughter {daughter.first} that I was a bad mother. "
    "{daughter.first} is 11. She repeated it to me. I'm {mum.first}. {email@mum}",
    "hello, its {dad.first} again about {son.first}. I've got a new address now, it's {addr}, {pc}. ref {ref}. "
    "my email is {email@dad}",
    "This complaint concerns the conduct of {tm}, Team Manager, at the review of {child}'s placement. "
    "{tm.last} made remarks about my religion in front of {child.first}. I am {parent}, {email@parent}, "
    "{phone}.",
    "{mum.first} ({mum.last|upper}) tel {phone}. Wants copy of the EHCP draft for {son.first}. Says SW "
    "{sw.first} promised it by {_day}. Mosaic {mosaic}.",
    "I am {yp}, aged 17, NI number {ni}. I'd like to complain about my placement at {addr}. The manager, "
    "{manager}, takes money out of my allowance for 'damages' that I didn't do.",
    "Dear Complaints, I'm a support worker at a women's refuge writing with consent on behalf of {mum.first}. "
    "Her children {son.first} and {daughter.first} (DOBs {dob} and {dob2}) were discussed at a strategy meeting. "
    "The minutes, including the refuge address, were sent to the children's father. Please contact me on "
    "{land}. {worker}",
    "Good evening, my name is {dad} and I live at {addr}, {pc}. My partner {partner_f.first} and I have been "
    "told we cannot see my son {son.first} until a parenting assessment is done, but no one has booked one. "
    "My NI number is {ni} which the council asked for. Phone {mob}.",
    "Hi {officer.first}, thanks for the call. As discussed, my son is {son}, DOB {dob}, NHS {nhs}. The complaint "
    "is about his CAMHS referral being dropped. Best, {mum}",
    "{sw} - I'm putting in writing what I told your manager {tm.first}. You lied about visiting {son.first} on "
    "{_date}. I was home all day. I've sent a copy to complaints ({ref}). {dad.first}",
    "Message taken by reception: {gran} called. Her grandson {son.first} is in hospital (NHS no. she gave: {nhs}) and "
    "she can't get hold of his social worker {sw.first}. Her phone is {land} and her address {addr}, {pc}.",
    "Dear Complaints Manager, I'm a teacher at {_school}. A pupil in my tutor group, {child} ({dobn}), disclosed something on "
    "{_date} and I phoned the front door. Nobody followed up. I'm raising this formally. {teacher}, {email@teacher}",
    "Hospital social work: complaint on behalf of the ward. {child} (NHS {nhs}) stayed on the children's ward for "
    "nine days after being medically fit because no placement could be found. Ward sister {nurse_f} asks for this "
    "to be reviewed. Ward phone {land}.",
    "Dear Complaints, I'm {mum}. My son {son.first}'s health assessment for his LAC review was never done. His NHS "
    "number is {nhs} and his GP is Dr {gp.last}. Nobody has booked it. I've asked {sw.first} four times now.",
    "care leaver complaint: {yp_f.first|lower} says her PA lost her documents incl. NI card ({ni}) and NHS medical "
    "card ({nhs}). Wants them replaced asap. Contact by email {email@yp_f}.",
    "I'm a foster carer. The council's letter to the dentist had {child.first}'s NHS number as {nhs}, but the one "
    "in the red book is {nhs2}. Which is right? Nobody will tell me. {carer}, {phone}",
    "Leaving care grant - complaint\nName: {yp}\nNINO: {ni}\nDOB: {ldob}\nPA: {pa}\nWhat went wrong: grant "
    "refused because 'NI number not verified'. It was verified in {_month}.",
    "Dad here ({dad}). You asked for my NI number for the contribution assessment: {ni|lower}. Before you ask "
    "again, it's the same as last year. I want it confirmed in writing that you hold it securely. {email@dad}",
    "Kinship assessment complaint. Applicants: {gran} (DOB {adob}, NI {ni}) and {grandad} (DOB {adob2}, NI "
    "{ni2}). They say the assessment has taken seven months and nobody explains why. Address {addr}, {pc}.",
    "ur lot sent {son.first|lower}'s NHS number ({nhs}) to my ex. i want to know who did it and what ur doing "
    "about it. {mum.first|lower}, {mob}",
    "I write on behalf of my client, {yp} (NI {ni}), a care leaver aged 20, about the Leaving Care Team's refusal "
    "to act as guarantor for a private tenancy at {addr}. Your ref {ref}. {solicitor}, {email@solicitor}",
    "CAMHS discharged {daughter.first} ({nhs}) because nobody from Children's Services brought her to the "
    "appointment, even though it was in the care plan. I'm her dad, {dad}. I'm furious. {land}",
    "My daughter {daughter.first} is 17 and in supported accommodation. Her key worker, {kw}, told her she'd be "
    "evicted if she had friends round. {daughter.first} has nowhere else to go. I've spoken to {kw.first} and to "
    "the manager, Mr {manager_m.last}, and got nowhere. Ref {ref}. {mum.first} ({mob})",
    "Re: complaint by {mum} ({ref})\n\nI have been asked to record that Ms {mum.last} also wants her new phone "
    "number used: {mob}, and her new email: {email@mum}. Her old ones should be deleted.",
]

# --------------------------------------------------------------------------------------------------
# Templates with no identifiers at all, but full of capitalised and name-like ordinary words
# --------------------------------------------------------------------------------------------------
ZERO_TEMPLATES = [
    "I'm writing to complain about how Children's Services handled things over {_festival}. We'd been promised a "
    "visit beforehand and nobody came. I've rung the Leaving Care Team three times since {_month} and I don't "
    "think anyone's read my emails.",
    "Will anyone actually respond to this? I've waited since Easter for a reply from the Independent Reviewing "
    "Officer and we're now into {_month}.",
    "May I ask why the EHCP review was cancelled again? It was meant to be in May, then June, and now the SEND "
    "team say it may be after the summer. {_service} keep passing it back.",
    "The cost rose again this term and the Looked After Children team still hasn't paid for the after-school "
    "club. I'm not prepared to keep covering it myself. It rose in {_month} as well.",
    "Hope is all we've got left. The Family Court hearing is on a {_day} and Children's Services haven't filed "
    "their statement yet.",
    "CAMHS said they'd mark the referral as urgent. They didn't. Mark my words, if something happens over "
    "{_festival} I'll be writing to Ofsted.",
    "Caller did not wish to give any details. States she is unhappy with the Leaving Care Team and the Personal "
    "Adviser service generally. Advised of the complaints procedure (Stage 1, Stage 2, Stage 3) and of the Local "
    "Government and Social Care Ombudsman. No further action on {_day}.",
    "hi its me again. still no call back from the duty team. its {_day} now. pls ring",
    "Over {_festival} we had family staying and the contact supervisor turned up unannounced on the Saturday. I "
    "don't think that's fair on anyone. We'd told them in advance.",
    "Why does Children's Services keep moving the Child Protection Conference? First it was Monday, then "
    "Thursday, now 'sometime in {_month}'.",
    "The Independent Reviewing Officer wasn't even told about the placement move. That is shocking. Looked After "
    "Children reviews are supposed to happen within the statutory timescales, not whenever {_service} feel like it.",
    "Dear Sir or Madam,\n\nI wish to make a formal complaint about the Disabled Children's Team. Since {_month} my "
    "requests for a carer's assessment have been ignored.\n\nYours faithfully,",
    "Complaint logged re: Early Help. Parent reports the Family Hub in the town centre closed without notice in "
    "{_month}. Parent states she'd been attending the Tuesday group and now has nowhere to go. Acknowledgement "
    "letter to follow.",
    "I am an advocate supporting a young person who does not want their details shared at this stage. They are "
    "unhappy with the Pathway Plan and feel {_service} don't listen. Could you tell me how they can raise a "
    "Stage 1 complaint anonymously?",
    "Our office has been contacted by a constituent who wishes to remain anonymous for now. They raise concerns "
    "about delays in Special Guardianship support payments. The Member of Parliament would be grateful for an "
    "update on the council's policy before {_month}.",
    "Rose to the challenge? No. The department sank. I'll say it plainly: the Fostering Service has let down every "
    "carer I know since {_month}.",
    "Grace periods for the housing deposit are a joke. The Leaving Care Team said they'd cover the rent in "
    "advance and then went quiet until after {_festival}.",
    "Summer holidays are the worst. No respite, no short breaks, nothing from SEND. I've asked and asked. "
    "{_service} just say there's a waiting list.",
    "Faith in the system? I had some once. Not after the way the Child in Need meeting went on {_day}.",
    "Bill me for the taxi then, because nobody from Children's Services turned up to take him to contact on {_day}.",
    "Will Children's Services confirm in writing that the Section 20 agreement has ended? We're not signing "
    "anything else until they do. We asked in {_month}.",
    "Dawn raids? That's what it felt like. Two police officers and a social worker at 7am on a {_day} in {_month}.",
    "Joy. Another letter from the council saying my complaint is 'being looked into'. It's been like that since "
    "{_festival}.",
    "Please can someone from the Virtual School contact us. The Personal Education Plan hasn't been updated since "
    "September and Year 11 exams start in May. {_service} said it wasn't theirs.",
    "The Youth Justice Service and Children's Services are blaming each other. I don't care whose fault it is, I "
    "want it sorted before {_festival}.",
    "I'd like to make a compliment actually, not a complaint. The Short Breaks team were brilliant over half term. "
    "Please pass it on to {_service} as well.",
    "Nobody at the Front Door could tell me who'd been allocated. I was passed between four people on {_day} "
    "afternoon.",
    "Complaint about an Ofsted-registered children's home. Young person says staff won't let them go to the "
    "Mosque on Fridays or to church at Easter. I've told the Independent Visitor. Logged {_day}.",
    "Re: Stage 2 investigation. I've read the Investigating Officer's report and the Independent Person's "
    "comments. I don't accept the findings on points 3 and 4. I'd like it escalated to Stage 3 before {_month}.",
    "My complaint is simple. The Children with Disabilities Team promised an OT assessment in March. It's now "
    "{_month}. Don't tell me it's the waiting list again.",
    "We've had {_count} social workers since Easter and none of them has read the file. I'm tired of repeating "
    "myself to Children's Services.",
    "lost my phone so cant get the social workers number. can someone from childrens services call the house. its "
    "about contact on {_day|lower}",
    "I'm a foster carer with the council. The allowances rose in April but the backdated payment never arrived. "
    "Payroll says it's a Fostering Service issue, the Fostering Service says it's Payroll. Still waiting in "
    "{_month}.",
    "As Chair of the Parent Carer Forum I'm passing on general concerns (no individual cases): EHCP timescales, "
    "transport to SEND schools, and how slowly CAMHS responds. Happy to meet in {_month}.",
    "I didn't get a reply to my email on Monday, or Tuesday, or the one on Friday. This is my fourth attempt. Will "
    "someone please acknowledge it before {_festival}.",
    "Intake note: anonymous call from a neighbour (declined to give a name). Concerns about how the Duty and "
    "Assessment Team responded to an earlier referral. Caller told that complaints about other people's cases "
    "can't be investigated without consent. Signposted to the Children's Commissioner on {_day}.",
    "The Independent Reviewing Officer said at the review in {_month} that the plan would change. Nothing changed. "
    "We're back where we started.",
    "Please mark this as a formal complaint and not just feedback. I've given feedback before to {_service} and "
    "nothing happened.",
    "Christmas, Eid, birthdays - every single one missed because contact keeps being cancelled by the Family Time "
    "service. The latest was {_day}.",
    "Sunday Lunch Club was the one thing she enjoyed and the Children's Home stopped taking her. Why? Because of "
    "'staffing'. That was in {_month}.",
    "Good afternoon, just checking the Complaints Team received my form submitted on {_day}. I don't have a "
    "reference yet. Many thanks.",
    "The Leaving Care Team, Housing Options and the Job Centre all told me something different. I'm 19, I don't "
    "need this. Been like this since {_month}.",
    "{_day}'s meeting was cancelled at 4pm the day before. Again. Is this how Children's Services treats every family?",
    "The Wood Street campus bus pass and a bottle green blazer, that's all we needed, and the Virtual School won't "
    "pay for either. School starts in September.",
    "Stage 1 response received {_date}. I'm not happy with it but I don't know what Stage 2 involves. Can someone "
    "explain in plain English? I've read the leaflet twice.",
    "Can I just say the Independent Reviewing Officer was lovely. It's the Children in Care Team I'm complaining "
    "about. Three cancelled Looked After Children reviews since {_festival}.",
    "May is when the Pathway Plan review is due. I'm 17 and I haven't got a Personal Adviser yet. Will I get one "
    "before I turn 18? Nobody at {_service} can say.",
    "We'd been told Children's Services would pay for the school uniform after Diwali. They didn't. I've kept the "
    "receipts. Please advise by {_day}.",
    "The Family Court made an order in {_month}. Children's Services haven't followed it. I don't know who else to "
    "tell, so I'm telling the Complaints Team.",
    "Just to say the SEND Information, Advice and Support Service helped me write this. I'm complaining about how "
    "long the EHCP took. It was supposed to be 20 weeks. It's been a year in {_month}.",
    "Ofsted should know about this. The Children's Home doesn't have enough staff at night and the Registered "
    "Manager told us so himself on {_day}.",
    "Hope House, Grace Court, Faith Road - every supported accommodation they offer has a lovely name and a broken "
    "boiler. The Leaving Care Team know. They've known since {_month}.",
    "The cost of travel to contact rose by half when the venue moved to the Family Centre across town. Children's "
    "Services said they'd review it in {_month}. They haven't.",
    "Re: Independent Person. Was an Independent Person appointed for the Stage 2? The letter doesn't say. Please "
    "confirm by {_day}.",
    "Happy Eid to the team, but honestly I'm writing because I'm not happy at all. The CAMHS waiting list is 18 "
    "months and {_service} said there's nothing they can do.",
    "Brook no delay, my solicitor says. Easier said than done when the Local Authority takes {_weeks} to answer "
    "an email.",
    "I'm a care-experienced adult and I've asked for my records under a Subject Access Request. It's been "
    "{_weeks}. The Data Protection Officer hasn't replied.",
    "Do not close this complaint. I don't accept the outcome. I've asked for it to go to the Ombudsman if Stage 2 "
    "doesn't resolve it by {_month}.",
]

# Some hard-case templates reference untyped fillers defined only for them.
FILLERS.update(
    {
        "_hedge": ["says she", "apparently", "definately", "(I'm told)"],
        "_pause": ["or something", "i think", "(not sure of her surname)"],
        "_sign": ["x", "(nan)", "- thank you"],
    }
)


def build(rng: random.Random) -> list[dict]:
    records: list[tuple[str, list[dict]]] = []
    seen: set[str] = set()
    plan = [(t, IDENTIFIED_USES) for t in TEMPLATES] + [(t, ZERO_USES) for t in ZERO_TEMPLATES]
    for entry, uses in plan:
        template, opts = entry if isinstance(entry, tuple) else (entry, {})
        made = 0
        for _attempt in range(uses * 10):
            if made == uses:
                break
            text, spans = render(template, rng, opts.get("origin"))
            if text in seen:
                continue
            seen.add(text)
            records.append((text, spans))
            made += 1
    rng.shuffle(records)
    return [{"id": f"pii-{i:04d}", "text": text, "identifiers": spans} for i, (text, spans) in enumerate(records, 1)]


def validate(rows: list[dict]) -> None:
    for row in rows:
        text = row["text"]
        prev_end = -1
        for s in row["identifiers"]:
            assert text[s["start"] : s["end"]] == s["value"], (row["id"], s)
            assert s["type"] in TYPES, (row["id"], s)
            assert s["start"] >= prev_end, f"overlapping spans in {row['id']}"
            assert s["value"] == s["value"].strip() and s["value"], (row["id"], s)
            prev_end = s["end"]
        names = [s for s in row["identifiers"] if s["type"] == "NAME"]
        for a, b in zip(names, names[1:], strict=False):  # first name + surname must be a single span
            assert text[a["end"] : b["start"]] != " ", f"adjacent NAME spans in {row['id']}: {text[:300]}"
        for s in row["identifiers"]:
            if s["type"] == "NHS_NO":
                digits = re.sub(r"\D", "", s["value"])
                assert len(digits) == 10 and digits.startswith("999"), s
                assert nhs_check_digit(digits[:9]) == int(digits[9]), s
            if s["type"] == "PHONE":
                assert re.fullmatch(PHONE_OK, national_digits(s["value"])), s
            if s["type"] == "EMAIL":
                assert s["value"].rsplit("@", 1)[1] in EMAIL_DOMAINS, s
            if s["type"] == "NI_NO":
                assert re.fullmatch(r"[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]", s["value"].upper()), s
            if s["type"] == "POSTCODE":
                assert re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", s["value"].upper()), s
    assert len({r["text"] for r in rows}) == len(rows), "duplicate texts"


def main() -> int:
    rng = random.Random(SEED)
    rows = build(rng)
    validate(rows)
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    counts = Counter(s["type"] for r in rows for s in r["identifiers"])
    empty = sum(1 for r in rows if not r["identifiers"])
    distinct = Counter(len({s["type"] for s in r["identifiers"]}) for r in rows if r["identifiers"])
    size = OUT.stat().st_size
    print(f"wrote {OUT.name}: {len(rows)} texts, {sum(counts.values())} identifiers, {size} bytes")
    for t in TYPES:
        print(f"  {t:<9} {counts[t]}")
    print(f"  texts with no identifiers: {empty}")
    print(f"  identified texts by number of distinct types: {dict(sorted(distinct.items()))}")

    assert len(rows) >= 320 and empty >= 70 and sum(counts.values()) >= 900, "corpus too small"
    assert counts["NAME"] >= 300 and all(counts[t] >= 60 for t in TYPES), "a type is under-represented"
    assert size < 1_000_000, "corpus over 1 MB"
    return 0


if __name__ == "__main__":
    sys.exit(main())
