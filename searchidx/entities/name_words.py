"""Word lists of the clean-up rules (:mod:`.cleanup`).

Boilerplate, generic words, nationalities, and the words that begin or end a firm's, a
body's or a place's name. Hand-written from common knowledge of wire copy and news
writing (no data set's words).
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BODY_ENDS",
    "BOILERPLATE",
    "COMPANY_ENDS",
    "FIRM_HEADS",
    "GENERIC",
    "GEO_WORDS",
    "GRADES",
    "GROUP_ENDS",
    "GROWN_ENDS",
    "LEGAL_WORDS",
    "NATIONALITIES",
    "PARTICLES",
    "PLACE_WORDS",
    "TRAILING",
]

# Words of wire boilerplate and financial tables: a mention made only of these is none.
BOILERPLATE: Final = frozenset(
    "note reuter reuters pct qtr qtrs net shr shrs cts ct dlr dlrs mln mlns bln billion vs avg revs "
    "oper gmt est edt cst pst ltd inc corp co plc ag sa nv ab oy spa gmbh nil loss profit prior year qtly "
    "div pay record gdp gnp "
    "cpi aaa aa class "
    "dividend shares sales revenues tonnes bushels stg yen marks francs lire guilders".split()
)
# Trailing words that turn a place into a currency or a table label ("U.S. Dlrs" -> "U.S.").
TRAILING: Final = frozenset(
    "dlr dlrs dollar dollars currency cts mln billion monday tuesday wednesday thursday friday saturday "
    "sunday".split()
)
# Particles between a first name and a surname ("FW de Klerk", "Ludwig van Beethoven").
PARTICLES: Final = frozenset("de van von der den le la du da del di al el bin ben".split())
# Names of rates and crude oil grades, not of anyone: "Libor", "West Texas Intermediate".
GRADES: Final = frozenset(
    {"libor", "west texas intermediate", "west texas sour", "wti", "brent", "brent crude"}
)
# Capitalised common nouns that are no name on their own ("Bank", "House", "Standard").
GENERIC: Final = frozenset(
    "bank house senate congress government ministry department state agency court exchange market "
    "standard company group board fund union party commission committee council treasury parliament "
    "president minister chairman officials official analysts traders dealers sources stock split "
    "federal national international central general first world new old north south east west western "
    "eastern agreement budget easter christmas sterling dollar dollars yen ecu tv radio".split()
)
# Nationality words and their plurals: CoNLL's MISC, never a person, place or organisation.
# ("West German" is an alias of West Germany, so the alias table is asked first.)
NATIONALITIES: Final = frozenset(
    "american latin-american british english scottish welsh irish french german dutch belgian swiss "
    "austrian italian spanish portuguese greek turkish cypriot russian soviet ukrainian polish czech "
    "hungarian romanian bulgarian yugoslav swedish norwegian danish finnish icelandic japanese chinese "
    "korean taiwanese vietnamese thai malaysian indonesian filipino philippine singaporean indian "
    "pakistani afghan iranian iraqi kuwaiti saudi israeli palestinian jordanian syrian lebanese "
    "egyptian libyan algerian moroccan tunisian nigerian kenyan ethiopian african zambian zimbabwean "
    "canadian mexican brazilian argentine argentinian chilean peruvian colombian venezuelan ecuadorean "
    "bolivian cuban nicaraguan australian arab arabian asian european western".split()
)
#: Words giving a firm's legal form ("Newmont Gold Co" and "Newmont Gold Corp" are one firm).
LEGAL_WORDS: Final = frozenset(
    "corp corporation inc co cos company ltd plc ag sa spa s.p.a nv bv gmbh llc lp oy oyj ab asa".split()
)
#: Last words of a firm's name: its legal form, or a word firms end in.
COMPANY_ENDS: Final = LEGAL_WORDS | frozenset(
    "group bank brothers partners association holdings industries airlines markets securities capital".split()
)
# First words of a firm's name in other languages, or a legal form written first ("NV Philips").
FIRM_HEADS: Final = frozenset(
    "bank banque banco banca societe compagnie cie caisse credit groupe gruppo grupo nv ab kk oy".split()
)
PLACE_WORDS: Final = frozenset("island islands city county province state republic".split())
# Words of a region's or a sea's name ("East Asia", "Indian Ocean", "River Thames"): firms borrow them.
GEO_WORDS: Final = PLACE_WORDS | frozenset(
    "asia africa europe america ocean sea river lake mountain mountains coast gulf bay valley strait".split()
)
# Last words of a government body: "U.S. Treasury" tagged a place is an organisation.
BODY_ENDS: Final = frozenset(
    "treasury department ministry administration commission agency office council committee court "
    "senate congress parliament government cabinet embassy consulate".split()
)
# Last words of a gathering, a monitoring group or a newspaper: "Munich Security Conference" and
# "Wall Street Journal" tagged a place are organisations.
GROUP_ENDS: Final = frozenset(
    "conference observatory forum institute foundation journal times post herald tribune gazette".split()
)
# Last words of an organisation grown leftwards over "X and" ("Food and Drug Administration").
GROWN_ENDS: Final = COMPANY_ENDS | BODY_ENDS - {"court", "senate", "congress", "government"}
