"""Personal-information redaction of free text, before anything is stored or shown.

Built on Microsoft Presidio (presidio-analyzer finds, presidio-anonymizer's placeholders) with its
NoOpNlpEngine: no spaCy model is needed or ever downloaded, so every recognizer is a pattern or a
rule. Presidio's own recognizers cover email addresses (domains checked against tldextract's
bundled public-suffix snapshot, never fetched), phone numbers (Google's phonenumbers, in the
national formats of the regions in _PHONE_REGIONS), credit cards (Luhn-checked) and IP addresses;
rules here add what a pattern library cannot know, with the word lists shipped in
cxdash/wordlists (see its PROVENANCE.md), never another package's private data:

* names: after a title (Mr, Officer, Judge ...), in any case; after a cue ("my name is", "i am",
  "spoke to", "thanks,", "my caseworker", "the lady named" ...), a first name from the lists or
  any word no dictionary knows, lower-case too; a first name from the lists with what follows;
  any capitalised word that is in no dictionary and no list of places (so a name in no list is
  found: "Hodan", "Xiong"), at a sentence's start only before a comma, another name or a verb;
  ALL CAPS names in text written in capitals. First names that are ordinary words or places
  (Grace, Bill, May, Virginia) count only beside a surname, after a cue, or capitalised at the end
  of a clause; names of institutions ("the Enoch Pratt library") are not people.
* addresses: US, Canadian, British and Nigerian street addresses (house number or plot, street
  words, suffix, unit, city, state or province, ZIP or postcode), lower-case ones ("77 west 3rd
  street"), PO boxes, rural routes and highway-contract boxes, "apartment 12C";
* emails written out or disguised ("jane dot doe at gmail dot com", "tom(at)yahoo(dot)com");
* phones: NANP however written (even 555 numbers phonenumbers deems unassigned), seven digits
  ("555-0142"), digits spelled as words, "+44 ..." international numbers;
* dates of birth after a cue ("DOB", "born", "date of birth"); other dates stay;
* anything shaped like an SSN (3-2-4 digits), valid or not, and the last four after a cue;
* account, case, claim, Medicare, licence or receipt numbers after such a word, "ending in 4432",
  and any run of seven or more digits ("[number]"): they lead back to one person's records.

Measured on tests/data/redaction (bench/bench_redaction.py; README "Personal details in free
text" has the figures and what is not removed). Over-redaction of a rare capitalised word (a
brand, a misspelling) is the accepted cost of finding names that are in no list.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

VERSION = "2"  # raise when the rules or word lists change: stored text is redacted again (compute)
PLACEHOLDERS = {
    "PERSON": "[name]", "EMAIL_ADDRESS": "[email]", "PHONE_NUMBER": "[phone]", "US_SSN": "[SSN]",
    "ADDRESS": "[address]", "CREDIT_CARD": "[card]", "IP_ADDRESS": "[IP address]", "URL": "[link]",
    "ID_NUMBER": "[number]", "DATE_OF_BIRTH": "[date of birth]",
}


@dataclass(frozen=True)
class Redacted:
    """Redacted text, how many details were replaced, and which kinds (entity types)."""

    text: str
    count: int = 0
    kinds: tuple[str, ...] = field(default_factory=tuple)


# --- word lists -----------------------------------------------------------------------------

_MONTHS_DAYS = ("january february march april may june july august september october november december "
                "jan feb mar apr jun jul aug sep sept oct nov dec "
                "monday tuesday wednesday thursday friday saturday sunday")
# Capitalised at the start of a sentence or in a heading, these are words, not people.
_WORDISH_NAMES = ("Amber Angel April August Bill Chase Christian Crystal Dawn Dean Destiny Drew Faith Frank Gene "
                  "Grace Grant Guy Heather Holly Hope Hunter Iris Ivy Jack Jasmine Joy June Mark May Mercedes "
                  "Miles Pat Penny Ray Rich Robin Rose Ruby Sandy Sky Star Sue Summer Wade Will")
# Places that are also in the name lists (or in none): a place alone is no one's personal detail.
_PLACES = ("Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii Idaho "
           "Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota "
           "Mississippi Missouri Montana Nebraska Nevada Hampshire Jersey Mexico York Carolina Dakota Ohio Oklahoma "
           "Oregon Pennsylvania Rhode Tennessee Texas Utah Vermont Virginia Washington Wisconsin Wyoming Columbia "
           "Puerto Rico Guam Alexandria Arlington Aurora Austin Boston Charlotte Chester Clinton Dallas Denver Detroit "
           "Eugene Franklin Houston Jackson Jordan Kent Lawrence Lincoln Madison Marion Memphis Norman Orlando Paris "
           "Phoenix Savannah Sydney Troy Tyler Victoria Warren Atlanta Philadelphia Miami Seattle Portland "
           "Baltimore Chicago Brooklyn Bronx Queens Manhattan Oakland Sacramento Tampa Raleigh Richmond Nashville "
           "Omaha Tulsa Albuquerque Tucson Fresno Cleveland Cincinnati Pittsburgh Buffalo Newark Camden Trenton "
           "Lagos Abuja Ibadan Kano Accra Kumasi Nairobi Toronto Montreal Montréal Ottawa Vancouver Calgary Quebec "
           "Ontario London Leeds Manchester Glasgow Dublin Manila Delhi Mumbai Lahore Karachi Dhaka Hanoi Saigon "
           "Nigeria Ghana Kenya Somalia Ethiopia Haiti Canada Philippines India Pakistan Vietnam China Korea Japan "
           "Ukraine Russia Poland Brazil Cuba Guatemala Honduras Salvador Jamaica Africa America Europe Asia "
           "Nigerian Ghanaian Kenyan Somali Ethiopian Haitian Canadian Filipino Indian Mexican Vietnamese Chinese "
           "Korean Ukrainian Polish Jamaican African American Spanish English French Arabic Latino Latina Hispanic")
# Words often capitalised in feedback about government services that the dictionary lacks.
_SERVICE_WORDS = ("account agency agent application appointment benefit benefits center centre claim customer "
                  "department federal form government help login office online passport payment period portal "
                  "security service services social staff support team website email e-mail voicemail app "
                  "covid medicaid medicare touchpoints usps irs ssa fema hud uscis dmv opm sba va snap wic ssi ssdi "
                  "tanf ein itin fy ok okay hi hello thx pls")


def _read_list(name: str) -> set[str]:
    from importlib.resources import files
    text = files("cxdash").joinpath("wordlists", name).read_text(encoding="utf-8")
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


@dataclass(frozen=True)
class Lexicon:
    """Lower-cased word lists: first names, surnames, English words, proper nouns (no one's name),
    and the first names that are also ordinary words or places."""

    first: frozenset
    surnames: frozenset
    words: frozenset
    proper: frozenset
    ambiguous: frozenset
    stop: frozenset


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The shipped lists (cxdash/wordlists, see its PROVENANCE.md) and the ordinary words, built once."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    first = {n.lower() for n in _read_list("first_names.txt") if len(n) > 1}
    surnames = {n.lower() for n in _read_list("surnames.txt") if len(n) > 1}
    stop = (set(ENGLISH_STOP_WORDS) - {"bill", "mill", "fire", "con", "de"}) | {
        "i'm", "im", "i've", "i'd", "i'll", "it's", "don't", "didn't", "can't", "won't"}
    words = _read_list("english_words.txt") | stop | set(_MONTHS_DAYS.split()) | set(_SERVICE_WORDS.split())
    words |= {w for w in SentimentIntensityAnalyzer().lexicon if w.isalpha()} | _read_list("service_words.txt")
    places = {w.lower() for w in _PLACES.split()}
    proper = _read_list("proper_nouns.txt") | places
    # "Grace", "Hope", "May": first names that are frequent words; not "Maria" or "John", rare as words
    frequent = _read_list("frequent_words.txt") | stop | set(_MONTHS_DAYS.split()) | set(_SERVICE_WORDS.split())
    frequent |= {w for w in SentimentIntensityAnalyzer().lexicon if w.isalpha()}
    ambiguous = {n for n in first if n in frequent or n in places} | {w.lower() for w in _WORDISH_NAMES.split()}
    return Lexicon(frozenset(first), frozenset(surnames), frozenset(words), frozenset(proper), frozenset(ambiguous),
                   frozenset(stop))


# --- names -----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_TITLES = frozenset(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "officer", "agent", "sgt", "sergeant",
                     "capt", "captain", "rev", "reverend", "pastor", "judge", "nurse", "detective", "deputy", "lt",
                     "lieutenant", "sister", "brother", "father", "madam", "sir"])
_STRICT_TITLES = frozenset(["mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sgt", "capt", "rev", "lt"])
_ROLES = (r"agent|rep|representative|lady|man|woman|gentleman|guy|girl|clerk|worker|caseworker|case worker|"
          r"social worker|supervisor|manager|officer|nurse|examiner|adjudicator|specialist|inspector|counsell?or|"
          r"teller|employee|person|adjuster|interpreter|receptionist|cashier|guard|security guard|driver|associate|"
          r"coordinator|navigator|attendant|interviewer|technician|operator|assistant|director|therapist|advocate|"
          r"doctor|physician|pharmacist|dentist|lawyer|attorney|judge|landlord|mail carrier|postman|volunteer")
# Words after which the next name-like words are a person: "my name is", "spoke to", "thanks,", "my sister".
_CUE = re.compile(
    r"(?:\b(?:my name is|my name's|name is|name was|name:|names? are|call me|signed|named|called|"
    r"i am|i'm|im|this is|it's|it is|"
    r"spoke (?:to|with)|speak (?:to|with)|talked (?:to|with)|talk (?:to|with)|spoke to a|"
    r"helped by|assisted by|served by|seen by|told by|answered by|"
    r"thanks|thank you|thank u|thanks to|thank|thx|ty|ask for|asked for|ask|asked|tell|told|for|"
    r"sincerely|regards|respectfully|cheers|best|love|"
    r"my (?:husband|wife|son|daughter|sister|brother|mother|mom|mum|father|dad|neighbou?r|friend|"
    r"caseworker|case worker|worker|agent|rep|representative|counsel(?:l)?or|advocate|landlord|aunt|uncle|"
    r"grandson|granddaughter|grandmother|grandfather|partner|fianc[eé]e?|child|boss|doctor|attorney|lawyer)|"
    r"(?:(?:the|a|an|your|our|my|this|that) )?(?:" + _ROLES + r")(?: named| called| is| was)?|"
    r"mr\.? and mrs\.?|and|&)"
    r")\s*[:,\-]?\s*$", re.IGNORECASE)
# After these the cue is strong enough for a name that is also an ordinary word ("I am Bill", "Thanks, Grace").
_STRONG_CUE = re.compile(r"\b(?:my name is|my name's|name is|name was|name:|call me|signed|named|i am|i'm|this is|"
                         r"spoke (?:to|with)|talked (?:to|with)|thanks|thank you|thanks to|sincerely|regards|"
                         r"respectfully|cheers|best|ask for)\s*[:,\-]?\s*$", re.IGNORECASE)
# Cues that join two people: a name after "and" only when one came just before it.
_JOIN_CUE = re.compile(r"\b(?:and|&|mr\.? and mrs\.?)\s*$", re.IGNORECASE)
_REPORTING = frozenset(["said", "says", "told", "tells", "was", "is", "has", "had", "hung", "helped", "answered",
                        "called", "promised", "explained", "sent", "never", "did", "would", "will", "who", "at", "in",
                        "from", "refused", "gave", "asked", "wrote", "emailed", "denied", "approved"])
_INSTITUTIONS = frozenset(["library", "building", "center", "centre", "hospital", "clinic", "school", "university", "college",
                           "playground", "pool", "rink", "garden", "gardens", "square", "stadium", "arena", "church",
                           "cemetery", "beach", "pier", "wharf", "way", "park", "field", "bridge", "highway",
                           "foundation", "institute", "museum", "park", "bridge", "memorial", "office", "station",
                           "airport", "courthouse", "hall", "tower", "plaza", "county", "city", "street", "avenue",
                           "road", "boulevard", "annex", "campus", "field", "medical", "elementary", "high", "branch"])
_CLAUSE_END = re.compile(r"\s*(?:[.,!?;)]|$)")
_PARTICLES = frozenset(["van", "von", "de", "del", "della", "der", "den", "da", "dos", "das", "du", "la", "le", "bin",
                        "binti", "ibn", "al", "el", "ben", "st", "mac", "ter"])


def _person_spans(text: str) -> list[tuple[int, int]]:
    lex = lexicon()
    letters = [c for c in text if c.isalpha()]
    shouting = len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.8 * len(letters) and len(text.split()) >= 3
    whispering = not any(c.isupper() for c in text)  # someone who never capitalises: names are lower-case too
    words = []
    for m in _WORD.finditer(text):
        word = m.group()
        if word.endswith(("'s", "’s")):
            word = word[:-2]
        words.append((m.start(), m.start() + len(word), word))

    def low(i: int) -> str:
        return words[i][2].lower().replace("’", "'")

    def common(i: int) -> bool:
        w = low(i)
        if w in lex.words or len(w) == 1:
            return True
        if "-" in w:
            return all(part in lex.words for part in w.split("-"))
        parts = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", words[i][2])
        if len(parts) > 1 and all(p.lower() in lex.words for p in parts):
            return True  # "MyChart", "YouTube", "iPhone": ordinary words run together (not "LaToya", "McAllister")
        if "'" in w:
            head = w.split("'")[0]
            return len(head) > 1 and head in lex.words
        return False

    def cap(i: int) -> bool:
        w = words[i][2]
        if w.isupper() and len(w) > 1:
            return shouting
        return w[0].isupper() or any(part[:1].isupper() for part in re.split(r"['’\-]", w)[1:])  # "el-Amin"

    def known(i: int) -> bool:
        return low(i) in lex.first or low(i) in lex.surnames

    def stop(i: int) -> bool:
        return low(i) in lex.stop

    def adjacent(i: int) -> bool:
        """Word i+1 follows word i within one name: a space, or an initial's full stop."""
        gap = text[words[i][1]:words[i + 1][0]]
        return gap == " " or (len(words[i][2]) == 1 and gap in (". ", "."))

    def name_like(i: int, lower_ok: bool) -> bool:
        """Could word i be (part of) a name: capitalised (or lower-case, in a lower-case name) and
        known as a name or no ordinary word."""
        if stop(i) and not (words[i][2][0].isupper() and low(i) in lex.first and not shouting):
            return False
        if not (cap(i) or lower_ok):
            return False
        if not cap(i):  # lower-case: only a word no dictionary knows ("good" is a surname too)
            return not common(i)
        return known(i) or not common(i)

    def extend(i: int, lower_ok: bool, limit: int = 4) -> int:
        """Index of the last word of a name starting at word i (surnames, middle names, initials, particles)."""
        j = i
        while j + 1 < len(words) and j - i < limit - 1 and adjacent(j):
            k = j + 1
            w = words[k][2]
            if len(w) == 1 and w.isupper() and text[words[k][1]:words[k][1] + 1] == ".":
                j = k  # an initial
            elif low(k) in _PARTICLES and k + 1 < len(words) and adjacent(k) and cap(k + 1) and not common(k + 1):
                j = k  # "van", "de la": only inside a name
            elif stop(k) or (common(k) and k + 1 < len(words) and adjacent(k) and words[k + 1][2][0].islower()
                             and not stop(k + 1) and low(k + 1) not in _REPORTING):
                break  # "Sincerely, Jennifer Okafor My refund", "Thanks, Angela Long lines": the next sentence
            elif name_like(k, lower_ok) and (cap(k) or not words[k][2][0].isupper()):
                j = k
            elif cap(k) and words[k][2][0].isupper() and not words[k][2].isupper() and not lower_ok \
                    and low(k) not in _MONTHS_DAYS.split() \
                    and low(k) not in _INSTITUTIONS and low(k) not in lex.proper:
                j = k  # "Titus Sparrow": a capitalised word after a first name is a surname, even an ordinary word
            else:
                break
        return j

    def sentence_start(i: int) -> bool:
        return i == 0 or text[words[i - 1][1]:words[i][0]].strip()[-1:] in (".", "!", "?", ":", "\n") \
            or "\n" in text[words[i - 1][1]:words[i][0]]

    def _person_follows(i: int) -> bool:
        """At a sentence's start a capitalised word may be a typo ("Youprogram keeps ..."): a name
        there is followed by another name, a comma, or a verb people are the subject of."""
        after = text[words[i][1]:words[i][1] + 2]
        if after[:1] in (",", ")") or after == "" or after.strip() == "":
            return after[:1] == "," or not after.strip()
        nxt = i + 1
        if nxt + 1 < len(words) and low(nxt) == "and" and cap(nxt + 1) and not common(nxt + 1):
            return True  # "Priyanka and Rahul helped"
        return nxt < len(words) and adjacent(i) and (low(nxt) in _REPORTING or name_like(nxt, False))

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        start, _, word = words[i]
        before = text[words[max(0, i - 5)][0]:start] if i else text[:start]  # a cue is at most five words
        lower_ok = not word[0].isupper()
        end_index = None
        title = i > 0 and low(i - 1) in _TITLES and text[words[i - 1][1]:start] in (" ", ". ", ".")
        if title and low(i - 1) not in _STRICT_TITLES and not words[i - 1][2][0].isupper():
            title = False  # "my sister", "the agent": cues below, not titles
        if title and not stop(i) and (cap(i) or word.isupper() or not common(i)):
            end_index = extend(i, lower_ok)  # "Mr. Okonkwo", "mr okonkwo", "Officer White"
        elif _CUE.search(before) and not stop(i) and not (low(i) in _TITLES and i + 1 < len(words) and cap(i + 1)):
            joined = _JOIN_CUE.search(before)
            if joined and not (spans and text[spans[-1][1]:start].strip(" ,").lower() in ("and", "&")):
                pass  # "and" joins a name only to a name just before it
            elif name_like(i, lower_ok=True) or (lower_ok and low(i) in lex.first and i + 1 < len(words)
                                                 and adjacent(i) and name_like(i + 1, True)) \
                    or (_STRONG_CUE.search(before) and cap(i) and (
                    low(i) in lex.first or (i + 1 < len(words) and adjacent(i) and name_like(i + 1, False)))):
                end_index = extend(i, lower_ok)
        if end_index is None and cap(i) and not stop(i) and not (low(i) in _TITLES and i + 1 < len(words)):
            w = low(i)
            if w in lex.first and (w not in lex.ambiguous
                                   or (i + 1 < len(words) and adjacent(i) and cap(i + 1) and not common(i + 1))):
                end_index = extend(i, False)  # "Kevin", "Maria Lopez"; "Grace" only as "Grace Okafor"
            elif w in lex.first and w not in lex.proper and w not in _MONTHS_DAYS.split() and i > 0 \
                    and text[words[i - 1][1]:start].strip() not in (".", "!", "?", ":") \
                    and _CLAUSE_END.match(text, words[i][1]):
                end_index = i  # "... the kind one was Precious.": an ordinary word would not be capitalised here
            elif not common(i) and w not in lex.proper and (len(word) > 1 and not (word.isupper() and not shouting)) \
                    and (not sentence_start(i) or _person_follows(i)):
                end_index = extend(i, False)  # a capitalised word no dictionary knows: "Hodan", "Xiong"
            elif w in lex.surnames and not common(i) and w not in lex.proper and i + 1 < len(words) and low(i + 1) in _REPORTING \
                    and not (i == 0 or text[words[i - 1][1]:start].strip() in (".", "!", "?")):
                end_index = i  # "... Johnson said"
        if end_index is None and whispering and low(i) in lex.first and not common(i) and low(i) not in lex.proper \
                and i + 1 < len(words) and adjacent(i) and low(i + 1) in lex.surnames and not common(i + 1):
            end_index = extend(i, True)  # "darnell whitaker": first name and surname, in text never capitalised
        if end_index is not None and not title and not _CUE.search(before):
            k = next((k for k in range(i, min(end_index + 3, len(words))) if low(k) in _INSTITUTIONS
                      and all(adjacent(j) and (j == k - 1 or cap(j + 1)) for j in range(i, k))), None)
            if k is not None and not (k + 1 < len(words) and low(k + 1) in _REPORTING - {"at", "in", "from"}):
                end_index = None  # "the Enoch Pratt library", "Titus Sparrow Park": named after someone, not someone
        if end_index is None:
            i += 1
            continue
        spans.append((start, words[end_index][1]))
        i = end_index + 1
    return spans


# --- addresses -------------------------------------------------------------------------------

# An abbreviation's full stop belongs to the address only when more of the address follows.
_SUFFIX = (r"(?:(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Way|Place|Terrace|Parkway|Highway|Circle|Square|"
           r"Trail|Pike|Alley|Loop|Plaza|Row|Crescent|Close|Mews|Gardens|Walk|Estate|Expressway|Park|Green|Wharf|"
           r"Pier|Path|Point|Heights|Crossing|Commons|Cove|Landing|Ridge|Hollow|Terr|Turnpike|Mall)\b|"
           r"(?:St|Ave|Av|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Pkwy|Hwy|Cir|Sq|Trl|Cres|Plz|Grn|Pt|Hts|Xing|Tpke|Whf)\b"
           r"(?:\.(?=,|\s+[A-Za-z0-9#]))?)")
_DIRECTION = r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West|north|south|east|west|n|s|e|w)\.?\s+)"
_STREET_WORD = (r"(?:[A-Z][A-Za-zÀ-ÿ'\-]*|\d{1,3}(?:st|nd|rd|th)|Jr\.?"
                r"|(?:de|la|du|des|del|di|da|van|von|le|los|las|el)(?=\s+(?:(?:la|le|los|las)\s+)?[A-Z]))")
_UNIT = r"(?:,?\s*(?:(?i:Apt|Apartment|Unit|Suite|Ste|Floor|Fl|Room|Rm|Flat)\b\.?|#)\s*#?\s*[A-Za-z0-9\-]*\d[A-Za-z0-9\-]*)?"
_NOT_PLACE = r"(?!(?:The|And|But|My|We|He|She|They|It|This|That|Please|Thanks|Then|So|If|When|I|Since|Until|Now)\b)"
_PLACE_WORD = _NOT_PLACE + r"[A-Z][A-Za-zÀ-ÿ'\-]+"
_POSTCODE = (r"(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)")
_CITY_TAIL = (r"(?:,?\s+" + _PLACE_WORD + r"(?:\s+" + _PLACE_WORD + r"){0,2},?\s+[A-Z]{2}\b(?:\s+" + _POSTCODE + r")?"
              r"|,?\s+" + _PLACE_WORD + r"(?:\s+" + _PLACE_WORD + r"){0,2}\s+" + _POSTCODE + r"\b"
              r"|,?\s+" + _POSTCODE + r"\b"
              r"|(?:,\s*" + _PLACE_WORD + r"(?:\s+" + _PLACE_WORD + r"){0,2}){1,3})?")
_PREFIX = r"(?:(?i:Flat|Apt\.?|Apartment|Unit|House|Lot|Space|Trailer)\s*#?\s*\d\w{0,4},?\s+)?(?:(?i:No\.?|Number)\s*)?"
_ADDRESS = re.compile(
    r"\b(?:" + _PREFIX + r"\d{1,6}[A-Za-z]?(?:-\d{1,6}[A-Za-z]?)?|(?i:Plot|Block|Compound)\s*\d{1,5}[A-Za-z]?),?\s+"
    + _DIRECTION + r"?"
    r"(?:" + _STREET_WORD + r"(?:\s+(?:" + _STREET_WORD + r"|[A-Z]\.|\d{1,4})){0,4}\s+(?i:" + _SUFFIX + r")"
    r"|(?i:Rue|Avenue|Boulevard|Calle|Avenida|Chemin)\s+" + _STREET_WORD + r"(?:\s+" + _STREET_WORD + r"){0,3}"
    r"|(?i:Highway|Hwy|Route|Rte|County Road|County Rd|State Route|State Road|Farm Road|FM|CR|SR|US)\s+\d{1,4}[A-Z]?\b"
    r"|[A-Z][a-z]+way\b)"
    r"(?:\s+" + _DIRECTION.replace(r"\s+", "") + r"\b)?" + _UNIT + _CITY_TAIL)
# "77 west 3rd street": a lower-case street name, no ordinary quantity ("3 hours on the road").
_LOWER_SUFFIX = (r"(?:street|avenue|boulevard|road|lane|drive|place|court|terrace|circle|parkway|way|"
                 r"st|ave|blvd|rd|ln|dr|pl|ct)")
_ADDRESS_LOWER = re.compile(r"\b\d{1,6}\s+" + _DIRECTION + r"?((?:[a-z]+|\d{1,3}(?:st|nd|rd|th))(?:\s+[a-z]+){0,2})\s+"
                            + _LOWER_SUFFIX + r"\b" + _UNIT + _CITY_TAIL)
_PO_BOX = re.compile(r"\b(?i:P\.?\s?O\.?\s?Box|Post Office Box|PO Box)\s*#?\s*\d+[A-Za-z]?\b" + _CITY_TAIL)
_RURAL = re.compile(r"\b(?i:Rural Route|R\.?R\.?|HC|Highway Contract|Star Route)\s*#?\s*\d+\s*,?\s*(?i:Box)\s*#?\s*\d+[A-Za-z]?\b"
                    + _CITY_TAIL)
_APARTMENT = re.compile(r"\b(?i:apartment|apt\.?)\s*#?\s*\d+[A-Za-z]?\b")
_ADDRESS_CUE = re.compile(r"(?i:\b(?:my|our|mailing|home|new|old) address(?: is|:)?\s*:?\s*)"
                          r"(\d{1,6}\s+[^.;!?\n]{3,60}?)(?=[.;!?\n]|$| and | but )")
_QUANTITY_WORDS = frozenset(["hour", "hours", "minute", "minutes", "day", "days", "week", "weeks", "month", "months",
                             "year", "years", "time", "times", "calls", "call", "people", "pages", "page", "more",
                             "other", "different", "miles", "mile", "blocks", "block", "feet", "the", "on", "a", "of",
                             "in", "to", "and", "my", "your", "our"])


_YEAR_BEFORE = re.compile(r"(?i)\b(?:in|since|by|of|from|until|before|after|during|year)\s+$")


def _address_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for pattern in (_ADDRESS, _PO_BOX, _RURAL, _APARTMENT) for m in pattern.finditer(text)]
    spans = [(s, e) for s, e in spans  # "in 2019 Central Park was closed": a year, not a house number
             if not (re.match(r"(?:19|20)\d\d\s", text[s:s + 5]) and _YEAR_BEFORE.search(text[max(0, s - 12):s]))]
    for m in _ADDRESS_LOWER.finditer(text):
        if not any(w in _QUANTITY_WORDS for w in m.group(1).split()):
            spans.append(m.span())
    spans += [m.span(1) for m in _ADDRESS_CUE.finditer(text)]
    return spans


# --- emails, phones, dates of birth, numbers -------------------------------------------------

_AT = r"(?:\s*[\(\[\{<]\s*(?:at|@)\s*[\)\]\}>]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\(\[\{<]\s*(?:dot|\.)\s*[\)\]\}>]\s*|\s+dot\s+|\s*\.\s*)"
_TLD = r"(?:com|org|net|gov|edu|mil|us|uk|co|ca|ng|gh|ke|za|in|io|info|biz|me|de|fr|mx|ph|au|ie|nz)"
_PROVIDERS = (r"(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|aol|icloud|me|mac|protonmail|proton|gmx|zoho|"
              r"yandex|mail|email|comcast|verizon|att|sbcglobal|bellsouth|cox|charter|earthlink|rocketmail)")
# Bounded repeats (RFC 5321: 64 characters a local part, 63 a label): a long run of "a-a-a-..." stays linear.
_LOCAL = r"(?<![\w.])[a-z0-9_%+\-]{1,64}(?:" + _DOT + r"[a-z0-9_%+\-]{1,64}){0,4}"
_LABEL = r"[a-z0-9\-]{1,63}"
_OBFUSCATED_EMAIL = re.compile(  # "(at)", "[at]", "@": any domain; " at ": a mail provider's or a spelled-out one
    r"(?i)" + _LOCAL + r"(?:" + _AT.replace(r"|\s+at\s+", "") + _LABEL + r"(?:" + _DOT + _LABEL + r"){0,4}"
    r"|\s+at\s+(?:" + _PROVIDERS + r"(?:" + _DOT + _LABEL + r"){0,4}|" + _LABEL + r"(?:" + _DOT + _LABEL + r"){0,4}\s+dot\s+"
    + _LABEL + r"(?:" + _DOT + _LABEL + r"){0,4}))" + _DOT + _TLD + r"\b")
_SSN = re.compile(r"(?<![\d\-])\d{3}([- .])\d{2}\1\d{4}(?![\d\-])")
_SSN_CUED = re.compile(r"\b(?:ssn|ss#|social security(?: number| no\.?| #)?|last four(?: digits)? of my social"
                       r"(?: security)?(?: number)?)\W{0,3}(?:(?:[a-z]+|\d)\W+){0,4}?"
                       r"(\d{3}[- .]?\d{2}[- .]?\d{4}|\d{4})\b", re.IGNORECASE)
_NANP = re.compile(r"(?<![\w\-])(?:\+?1[\s.\-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-][\dOo]{4}(?![\w\-])")
_INTERNATIONAL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[\s.\-]?\(?\d{1,5}\)?){2,5}(?![\w\-])")  # "+44 7700 900456"
_SEVEN = re.compile(r"(?<![\w\-$.,/:])\d{3}[-.\s]\d{4}(?![\w\-/]|[.,]\d)")
_DIGIT_WORD = r"(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|double|triple)"
_SPELLED_PHONE = re.compile(r"(?i)\b" + _DIGIT_WORD + r"(?:[\s,\-]+" + _DIGIT_WORD + r"){6,}\b")
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DATE = (r"(?:\d{1,2}[/\-.]\d{1,2}[/\-.]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}|" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"
         r"|(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+\d{4})")
_BIRTH_DATE = re.compile(r"(?i)\b(?:date of birth|birth ?date|d\.?o\.?b\.?|born(?: on| in)?|birthday(?: is)?|"
                         r"b\. ?)\s*(?:is|was)?\s*[:\-]?\s*(" + _DATE + r")"
                         r"|\b(?:born(?: in)?|year of birth|birth year)\s*:?\s*((?:19|20)\d{2})\b(?![/\-.]\d)")
_LONG_NUMBER = re.compile(r"(?<![\w\-])\d{7,}(?![\w\-])")
_CUED_NUMBER = re.compile(
    r"\b(?:case|claim|account|acct|reference|ref|confirmation|ticket|application|member|policy|tracking|"
    r"receipt|record|file|license|licence|driver'?s? licen[cs]e|passport|id|identification|medicare|medicaid|"
    r"customer|client|beneficiary|registration|permit|certificate|voucher|invoice|order|alien|a-number|uscis)"
    r"(?:\s+(?:number|no\.?|num|#|id))?\s*(?:is\s+|was\s+|:\s*|#\s*)?([A-Z0-9][A-Z0-9\-]{3,})\b", re.IGNORECASE)
_ENDING_IN = re.compile(r"(?i)\b(?:ending|ends|ended)\s+(?:(?:in|with)\s+)?(\d{4,})\b")


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _group_spans(pattern: re.Pattern, text: str, group: int = 0, need_digit: bool = False) -> list[tuple[int, int]]:
    out = []
    for m in pattern.finditer(text):
        if m.start(group) < 0 or (need_digit and not any(c.isdigit() for c in m.group(group))):
            continue
        out.append(m.span(group))
    return out


_RULES = {  # entity -> spans of one text
    "PERSON": _person_spans,
    "ADDRESS": _address_spans,
    "US_SSN": lambda t: _group_spans(_SSN, t) + _group_spans(_SSN_CUED, t, 1),
    "PHONE_NUMBER": lambda t: (_group_spans(_NANP, t) + _group_spans(_SEVEN, t) + _group_spans(_SPELLED_PHONE, t)
                               + [s for s in _group_spans(_INTERNATIONAL, t) if _digits(t[s[0]:s[1]]) >= 8]),
    "ID_NUMBER": lambda t: (_group_spans(_LONG_NUMBER, t) + _group_spans(_CUED_NUMBER, t, 1, need_digit=True)
                            + _group_spans(_ENDING_IN, t, 1)),
    "EMAIL_ADDRESS": lambda t: _group_spans(_OBFUSCATED_EMAIL, t),
    "DATE_OF_BIRTH": lambda t: _group_spans(_BIRTH_DATE, t, 1) + _group_spans(_BIRTH_DATE, t, 2),
}
# When two findings overlap, the more specific wins: an SSN is not an ID number, an email not a name.
_SCORES = {"EMAIL_ADDRESS": 1.0, "US_SSN": 0.95, "DATE_OF_BIRTH": 0.92, "CREDIT_CARD": 0.9, "IP_ADDRESS": 0.9, "URL": 0.85,
           "PHONE_NUMBER": 0.8, "ADDRESS": 0.75, "ID_NUMBER": 0.6, "PERSON": 0.5}


# Where callers are: phonenumbers reads each region's national formats ("0803 123 4567", "07700 900123").
_PHONE_REGIONS = ("US", "CA", "GB", "IE", "NG", "GH", "KE", "ZA", "IN", "PH", "MX", "DE", "FR", "BR", "IL")


def _rule_recognizer(entity: str, find):
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    class RuleRecognizer(EntityRecognizer):
        """A presidio recognizer from a function text -> [(start, end)]."""

        def load(self) -> None:  # nothing to load: rules, not a model
            pass

        def analyze(self, text, entities, nlp_artifacts=None):
            return [RecognizerResult(entity, start, end, _SCORES[entity]) for start, end in find(text)]

    return RuleRecognizer(supported_entities=[entity], name=f"cxdash {entity.lower()} rules")


def _engines():
    """(AnalyzerEngine, AnonymizerEngine, operators): slow to build, so built once."""
    import tldextract
    from presidio_analyzer import (
        AnalyzerEngine,
        Pattern,
        PatternRecognizer,
        RecognizerRegistry,
    )
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UrlRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig

    offline = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's email recognizer, checking domains against the bundled suffix list only."""

        def validate_result(self, pattern_text: str):
            return offline(pattern_text.rsplit("@", 1)[-1]).fqdn != ""

    class ScoredPhoneRecognizer(PhoneRecognizer):
        """Presidio's phone recognizer (phonenumbers), scored to rank against the other findings."""

        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            results = super().analyze(text, entities, nlp_artifacts)
            for result in results:
                result.score = _SCORES["PHONE_NUMBER"]
            return results

    def scored(recognizer: PatternRecognizer, entity: str) -> PatternRecognizer:
        for pattern in recognizer.patterns:
            pattern.score = _SCORES[entity]
        return recognizer

    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        scored(OfflineEmailRecognizer(), "EMAIL_ADDRESS"),
        ScoredPhoneRecognizer(supported_regions=_PHONE_REGIONS),
        scored(CreditCardRecognizer(), "CREDIT_CARD"),
        scored(IpRecognizer(), "IP_ADDRESS"),
        # only links with a scheme: a bare site name ("va.gov") is no one's personal detail
        UrlRecognizer(patterns=[Pattern("URL with scheme", r"(?i)(?:https?://)" + UrlRecognizer.BASE_URL_REGEX,
                                        _SCORES["URL"])]),
        *(_rule_recognizer(entity, find) for entity, find in _RULES.items()),
    ):
        registry.add_recognizer(recognizer)
    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
    operators = {entity: OperatorConfig("replace", {"new_value": value}) for entity, value in PLACEHOLDERS.items()}
    operators["DEFAULT"] = OperatorConfig("replace", {"new_value": "[redacted]"})
    return analyzer, AnonymizerEngine(), operators


_lock = threading.Lock()
_built = None


def engines():
    global _built
    if _built is None:
        with _lock:
            if _built is None:
                _built = _engines()
    return _built


def checked_text(field: str, value: str | None, limit: int, required: bool = False, redacted: bool = True) -> str:
    """Text a person typed (commentary, evidence, a label), trimmed, checked and, unless it names
    staff on purpose (an owner), redacted before it is stored: it may quote a customer's case."""
    from cxdash.errors import FieldError
    value = (value or "").strip()
    if required and not value:
        raise FieldError(field, "required")
    if len(value) > limit:
        raise FieldError(field, f"{len(value)} characters; at most {limit}")
    return redact(value).text if value and redacted else value


def find(text: str | None) -> list[tuple[int, int, str]]:
    """The spans of ``text`` that redact() replaces: (start, end, entity), in order, not overlapping.
    Overlapping findings merge into one span named by the most specific (highest-scored) entity."""
    if text is None or not str(text).strip():
        return []
    analyzer = engines()[0]
    found = sorted(analyzer.analyze(text=str(text), language="en", entities=list(PLACEHOLDERS)),
                   key=lambda r: (r.start, -r.end))
    merged: list[list] = []
    for r in found:
        if r.end <= r.start:
            continue
        if merged and r.start < merged[-1][1]:
            last = merged[-1]
            if r.score > last[3]:
                last[2], last[3] = r.entity_type, r.score
            last[1] = max(last[1], r.end)
        else:
            merged.append([r.start, r.end, r.entity_type, r.score])
    return [(start, end, entity) for start, end, entity, _ in merged]


def redact(text: str | None) -> Redacted:
    """The text with every personal detail found replaced by a placeholder such as '[name]'."""
    if text is None or not str(text).strip():
        return Redacted("" if text is None else str(text))
    text = str(text)
    spans = find(text)
    if not spans:
        return Redacted(text)
    out, at = [], 0
    for start, end, entity in spans:
        out += [text[at:start], PLACEHOLDERS.get(entity, "[redacted]")]
        at = end
    out.append(text[at:])
    return Redacted("".join(out), len(spans), tuple(sorted({entity for _, _, entity in spans})))
