"""One name per entity: the shipped table of aliases ("U.S." is the place United States).

Hand-written from common knowledge (country, state and organisation abbreviations);
:mod:`.cleanup` renames a mention found here, and :mod:`.collection` never resolves
one of these names further.
"""

from __future__ import annotations

from typing import Final

from .tokens import fold

__all__ = ["ALIASES", "alias"]

# U.S. states as wire copy abbreviates them ("Lufkin, Texas", "Newark, N.J."), each with and
# without its last full stop; none that is also a word or a title ("Miss", "La", "Me", "Ore").
_STATE_ABBREVIATIONS: Final = {
    "tenn": "Tennessee", "conn": "Connecticut", "mass": "Massachusetts", "fla": "Florida", "ill": "Illinois",
    "mich": "Michigan", "minn": "Minnesota", "okla": "Oklahoma", "ariz": "Arizona", "colo": "Colorado",
    "penn": "Pennsylvania", "wis": "Wisconsin", "calif": "California", "n.j": "New Jersey",
    "n.y": "New York", "pa": "Pennsylvania", "ga": "Georgia", "ala": "Alabama", "va": "Virginia",
    "w.va": "West Virginia", "n.c": "North Carolina", "s.c": "South Carolina", "n.d": "North Dakota",
    "s.d": "South Dakota", "n.h": "New Hampshire", "n.m": "New Mexico", "r.i": "Rhode Island",
    "md": "Maryland", "ky": "Kentucky", "kan": "Kansas", "neb": "Nebraska", "nev": "Nevada",
    "tex": "Texas", "wyo": "Wyoming", "vt": "Vermont", "ind": "Indiana", "del": "Delaware",
    "wash": "Washington State", "mo": "Missouri", "ark": "Arkansas",
}  # fmt: skip

# One name per entity: folded spellings -> (label, canonical display).
_ALIAS_TABLE: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("place", "United States"): ("u.s", "u.s.", "us", "usa", "u.s.a", "u.s.a.", "united states of america"),
    ("place", "Britain"): ("uk", "u.k", "u.k.", "united kingdom", "great britain"),
    ("place", "Soviet Union"): ("ussr", "u.s.s.r", "u.s.s.r.", "soviet"),
    ("place", "New Zealand"): ("n.z", "n.z."),
    ("place", "Brazil"): ("brasil",),
    ("place", "West Bank"): (),  # "Bank" makes the tagger read an organisation
    ("place", "United Arab Emirates"): ("uae", "u.a.e", "u.a.e."),
    ("org", "International Monetary Fund"): ("imf",),
    ("org", "European Community"): ("ec", "european economic community", "eec"),
    ("org", "European Union"): ("eu",),
    ("org", "United Nations"): ("un", "u.n", "u.n."),
    ("org", "Securities and Exchange Commission"): ("sec", "u.s. securities and exchange commission"),
    ("org", "Federal Reserve"): ("fed", "federal reserve board", "federal reserve system"),
    ("org", "U.S. Agriculture Department"): (
        "usda",
        "agriculture department",
        "u.s. department of agriculture",
    ),
    ("org", "Organization of Petroleum Exporting Countries"): (
        "opec",
        "organisation of petroleum exporting countries",
    ),
    ("org", "General Agreement on Tariffs and Trade"): ("gatt", "agreement on tariffs and trade"),
    ("org", "Standard and Poor's Corp"): ("standard and poor", "standard and poor's", "s&p", "s and p"),
    ("org", "Organisation for Economic Co-operation and Development"): (
        "oecd",
        "organization for economic co-operation and development",
        "organization for economic cooperation and development",
        "organisation for economic cooperation and development",
        # the tagger's cut at "and": "Organisation for Economic Cooperation" and Development
        "organisation for economic cooperation",
        "organization for economic cooperation",
        "organisation for economic co-operation",
        "organisation of economic cooperation",
    ),
    ("org", "North Atlantic Treaty Organization"): ("nato",),
    ("org", "International Coffee Organization"): ("ico", "international coffee organisation"),
    ("org", "Central Intelligence Agency"): ("cia",),
    ("org", "Al Qaeda"): ("al-qaeda", "al qaida", "al-qaida"),
    ("org", "New York Stock Exchange"): ("nyse",),
    ("org", "International Business Machines"): (
        "ibm",
        "international business machines corp",
        "international business machines co",
    ),
    ("org", "Commodity Credit Corporation"): ("ccc",),
    ("place", "West Germany"): ("west german",),
    **{("place", name): (a, a + ".") for a, name in _STATE_ABBREVIATIONS.items() if name != "Pennsylvania"},
    ("place", "Pennsylvania"): ("penn", "penn.", "pa", "pa."),
    ("org", "General Motors"): ("gm", "general motors corp"),
    ("org", "Food and Drug Administration"): ("fda", "u.s. food and drug administration"),
    ("org", "Commodity Futures Trading Commission"): ("cftc",),
    # the tagger's cut at "and" too: "Ministry of International Trade" and Industry
    ("org", "Ministry of International Trade and Industry"): ("miti", "ministry of international trade"),
    ("org", "Volkswagen AG"): ("vw", "volkswagen"),
    ("org", "General Accounting Office"): ("gao", "accounting office"),
    ("org", "European Monetary System"): (),  # tagged a place ("in the European Monetary System")
    ("org", "American Telephone and Telegraph Co"): (
        "att",
        "at&t",
        "at and t",
        "american telephone and telegraph",
    ),
    ("place", "Hong Kong"): ("h.k", "h.k."),
    # the EC's executive, written five ways in wire copy
    ("org", "European Commission"): (
        "ec commission",
        "european community commission",
        "ec executive commission",
        "ec's executive commission",
        "commission of the european community",
        "commission of the european communities",
    ),
    ("org", "United Auto Workers"): ("uaw", "united automobile workers"),
    # "Nippon Telegraph" and "Telegraph and Telephone Corp": the tagger's cut at "and" (lines wrap there)
    ("org", "Nippon Telegraph and Telephone Corp"): (
        "ntt",
        "nippon telegraph",
        "telegraph and telephone corp",
        "nippon telegraph and telephone",
    ),
    ("org", "U.S. International Trade Commission"): ("international trade commission", "u.s. itc"),
    # parties as their members are named ("Democrats said"), one name each
    ("org", "Democratic Party"): ("democrats",),
    ("org", "Republican Party"): ("republicans", "republican", "gop"),
    ("org", "Conservative Party"): ("conservatives", "tories"),
    ("org", "Labour Party"): ("labour",),
    # Japan's business federation: one word the tagger reads as a surname
    ("org", "Keidanren"): (
        "federation of economic organisations",
        "federation of economic organizations",
        "japan federation of economic organisations",
        "japan federation of economic organizations",
    ),
}
#: Folded spelling -> (label, display) for every alias and canonical name.
ALIASES: Final[dict[str, tuple[str, str]]] = {
    spelling: key for key, spellings in _ALIAS_TABLE.items() for spelling in (*spellings, fold(key[1]))
}


def alias(text: str) -> tuple[str, str] | None:
    """``(label, display)`` of a name in the alias table (``"U.S."`` -> place United States)."""
    return ALIASES.get(fold(" ".join(text.split())).rstrip())
