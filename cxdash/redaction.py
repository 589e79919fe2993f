"""Personal-information redaction of free text, before anything is stored or shown.

Built on Microsoft Presidio (presidio-analyzer finds, presidio-anonymizer replaces) with its
NoOpNlpEngine: no spaCy model is needed or ever downloaded, so every recognizer is a pattern or
a rule. Presidio's own recognizers cover email addresses (domains checked against tldextract's
bundled public-suffix snapshot, never fetched), phone numbers (Google's phonenumbers), credit
cards (Luhn-checked) and IP addresses; rules here add what a pattern library cannot know:

* names: a title (Mr, Ms, Dr, Officer ...) before capitalised words; a cue ("my name is",
  "I am", "thanks,", "sincerely,") before a name; or a first name from Faker's name lists
  (installed from PyPI) with any following surname. First names that are also ordinary words
  or places (Grace, Bill, May, Virginia ...) count only beside a surname or after a cue.
* US street addresses (house number, street words, suffix, unit, city, state, ZIP) and PO boxes;
* anything shaped like an SSN (3-2-4 digits), valid or not: a mistyped SSN is still someone's;
* NANP phone numbers however written, even ones phonenumbers deems unassigned (555-...);
* account, case, claim, licence or passport numbers after such a word, and any run of seven or
  more digits ("[number]"): they lead back to one person's records.

Surnames standing alone ("Johnson said ...") and lower-case names without a cue are not found;
over-redaction of a rare capitalised word beside a first name is the accepted cost.
"""
from __future__ import annotations

import importlib
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

VERSION = "1"  # raise when the rules change: loads record it, so a re-load re-redacts
PLACEHOLDERS = {
    "PERSON": "[name]", "EMAIL_ADDRESS": "[email]", "PHONE_NUMBER": "[phone]", "US_SSN": "[SSN]",
    "ADDRESS": "[address]", "CREDIT_CARD": "[card]", "IP_ADDRESS": "[IP address]", "URL": "[link]",
    "ID_NUMBER": "[number]",
}
_NAME_LOCALES = ("en_US", "en_GB", "en_IE", "es_MX", "es_ES")


@dataclass(frozen=True)
class Redacted:
    """Redacted text, how many details were replaced, and which kinds (entity types)."""

    text: str
    count: int = 0
    kinds: tuple[str, ...] = field(default_factory=tuple)


# --- word lists -----------------------------------------------------------------------------

_MONTHS_DAYS = ("january february march april may june july august september october november december "
                "monday tuesday wednesday thursday friday saturday sunday")
# Capitalised at the start of a sentence or in a heading, these are words, not people.
_WORDISH_NAMES = ("Amber Angel April August Bill Chase Christian Crystal Dawn Dean Destiny Drew Faith Frank Gene "
                  "Grace Grant Guy Heather Holly Hope Hunter Iris Ivy Jack Jasmine Joy June Mark May Mercedes "
                  "Miles Pat Penny Ray Rich Robin Rose Ruby Sandy Sky Star Sue Summer Wade Will")
_PLACE_NAMES = ("Alexandria Arlington Aurora Austin Charlotte Chester Clinton Dallas Eugene Franklin Georgia Houston "
                "Jackson Jordan Kent Lawrence Lincoln Madison Marion Norman Orlando Paris Phoenix Savannah Sydney "
                "Troy Tyler Victoria Virginia Warren Washington")
# Words often capitalised in feedback about government services that no list above has.
_SERVICE_WORDS = ("account agency agent application appointment benefit benefits center centre claim customer "
                  "department federal form government help login office online passport payment period portal "
                  "security service services social staff support team website")


@lru_cache(maxsize=1)
def _lexicons() -> tuple[frozenset, frozenset, frozenset, frozenset]:
    """(first names, surnames, ambiguous first names, common lower-case words), built once."""
    from faker.providers.lorem.en_US import Provider as Lorem
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    first, last = set(), set()
    for locale in _NAME_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        first |= {n for n in provider.first_names if len(n) > 2}
        last |= {n for n in getattr(provider, "last_names", ()) if len(n) > 2}
    common = {w.lower() for w in Lorem.word_list} | set(ENGLISH_STOP_WORDS) | set(_MONTHS_DAYS.split())
    common |= {w for w in SentimentIntensityAnalyzer().lexicon if w.isalpha()} | set(_SERVICE_WORDS.split())
    ambiguous = {n for n in first if n.lower() in common} | set(_WORDISH_NAMES.split()) | set(_PLACE_NAMES.split())
    return frozenset(first), frozenset(last), frozenset(ambiguous & first), frozenset(common)


# --- recognizers ----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_TITLES = frozenset(["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Professor", "Officer", "Agent", "Sgt",
                     "Sergeant", "Capt", "Captain", "Rev", "Judge", "Nurse", "Detective", "Deputy", "Lt", "Lieutenant"])
_STRONG_CUE = re.compile(r"\b(?:my name is|my name's|name is|name:|call me|signed|named)\s*[:,\-]?\s*$",
                         re.IGNORECASE)
_SIGN_OFF = re.compile(r"\b(?:sincerely|regards|respectfully|thanks|thank you|cheers|best)\s*[,:\-]\s*$",
                       re.IGNORECASE)
_WEAK_CUE = re.compile(r"\b(?:i am|i'm|im|this is|sincerely|regards|respectfully|thanks|thank you|cheers|"
                       r"spoke (?:to|with)|talked (?:to|with)|helped by|assisted by|from)\s*[:,\-]?\s*$",
                       re.IGNORECASE)


def _is_cap(word: str) -> bool:
    return word[0].isupper() and not (len(word) > 1 and word.isupper())


def _base(word: str) -> str:
    """'Maria's' -> 'Maria'."""
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _person_spans(text: str) -> list[tuple[int, int]]:
    first, last, ambiguous, common = _lexicons()
    words = [(m.start(), m.start() + len(_base(m.group())), _base(m.group())) for m in _WORD.finditer(text)]

    def namey(word: str) -> bool:
        return _is_cap(word) and (word.lower() not in common or word in first or word in last)

    def adjacent(i: int) -> bool:
        """Word i+1 follows word i within the same name: a space, or an initial's full stop."""
        gap = text[words[i][1]:words[i + 1][0]]
        return gap == " " or (len(words[i][2]) == 1 and gap in (". ", "."))

    def before_surname(i: int) -> bool:
        """Word i is followed, within a name, by a capitalised word that is not an ordinary word."""
        return i + 1 < len(words) and adjacent(i) and _is_cap(words[i + 1][2]) \
            and words[i + 1][2].lower() not in common

    def extend(i: int, limit: int = 3) -> int:
        """Index of the last word of a name starting at word i (surnames, middle names, initials)."""
        j = i
        while j + 1 < len(words) and j - i < limit - 1 and adjacent(j):
            nxt = words[j + 1][2]
            if not (namey(nxt) or (len(nxt) == 1 and nxt.isupper())):
                break
            j += 1
        return j

    spans = []
    i = 0
    while i < len(words):
        start, _, word = words[i]
        before = text[max(0, start - 40):start]
        end_index = None
        if i > 0 and words[i - 1][2] in _TITLES and text[words[i - 1][1]:start] in (" ", ". ") and namey(word):
            end_index = extend(i)
        elif _STRONG_CUE.search(before) and (namey(word) or word.lower() not in common):
            # lower-case names too after "my name is"; stop at the first ordinary word
            end_index = i
            while end_index + 1 < len(words) and end_index - i < 2 and adjacent(end_index) \
                    and words[end_index + 1][2].lower() not in common:
                end_index += 1
        elif _SIGN_OFF.search(before) and namey(word):
            end_index = extend(i)  # "Thanks, Thi": a signature
        elif _WEAK_CUE.search(before) and namey(word) and before_surname(i):
            end_index = extend(i)  # "This is Priya Raman": two name-like words after a cue, known or not
        elif _is_cap(word) and word in first and (
                word not in ambiguous or _WEAK_CUE.search(before) or before_surname(i)):
            end_index = extend(i)  # "Kevin", "Maria Lopez"; "Grace" only as "Grace Okafor" or "I am Grace"
        if end_index is None:
            i += 1
            continue
        spans.append((start, words[end_index][1]))
        i = end_index + 1
    return spans


# An abbreviation's full stop belongs to the address only when more of the address follows.
_SUFFIX = (r"(?:(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Way|Place|Terrace|Parkway|Highway|Circle|Square|"
           r"Trail|Pike|Alley|Loop|Plaza|Row)\b|(?:St|Ave|Av|Rd|Blvd|Ln|Dr|Ct|Pl|Ter|Pkwy|Hwy|Cir|Sq|Trl)\b"
           r"(?:\.(?=,|\s+[A-Za-z0-9#]))?)")
_DIRECTION = r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)"
_STREET_WORD = r"(?:[A-Z][A-Za-z'\-]*|\d{1,3}(?:st|nd|rd|th))"
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Ste|Floor|Fl|Room|Rm|#)\.?\s*#?\s*[A-Za-z0-9\-]+)?"
_CITY_STATE_ZIP = (r"(?:,?\s+[A-Z][A-Za-z]+(?:\s+[A-Z][A-Za-z]+){0,2},?\s+[A-Z]{2}\b(?:\s+\d{5}(?:-\d{4})?)?"
                   r"|,?\s+\d{5}(?:-\d{4})?\b)?")
_ADDRESS = re.compile(
    r"\b\d{1,6}[A-Za-z]?(?:-\d{1,5})?\s+" + _DIRECTION + r"?" + _STREET_WORD + r"(?:\s+" + _STREET_WORD + r"){0,3}\s+"
    + r"(?i:" + _SUFFIX + r")(?:\s+" + _DIRECTION.replace(r"\s+", "") + r"\b)?" + _UNIT + _CITY_STATE_ZIP)
# "123 main st": a lower-case street name, only with a suffix that is not an ordinary word.
_ADDRESS_LOWER = re.compile(r"\b\d{1,6}\s+([a-z]+(?:\s+[a-z]+)?)\s+(?:street|avenue|boulevard|road|st|ave|blvd|rd)\b"
                            + _UNIT + _CITY_STATE_ZIP)
_PO_BOX = re.compile(r"\b(?i:P\.?\s?O\.?\s?Box|Post Office Box)\s+\d+\b" + _CITY_STATE_ZIP)
_QUANTITY_WORDS = frozenset(["hour", "hours", "minute", "minutes", "day", "days", "week", "weeks", "month", "months",
                             "year", "years", "time", "times", "calls", "call", "people", "pages", "page", "more",
                             "other", "different"])


def _address_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _ADDRESS.finditer(text)] + [m.span() for m in _PO_BOX.finditer(text)]
    common = _lexicons()[3]
    for m in _ADDRESS_LOWER.finditer(text):
        words = m.group(1).split()
        if not any(w in _QUANTITY_WORDS or (w in common and w not in ("main", "oak", "park")) for w in words):
            spans.append(m.span())
    return spans


_SSN = re.compile(r"(?<![\d\-])\d{3}([- .])\d{2}\1\d{4}(?![\d\-])")
_SSN_CUED = re.compile(r"\b(?:ssn|ss#|social security(?: number| no\.?| #)?)\W{0,3}(?:[a-z]+\W+){0,4}?"
                       r"(\d{3}[- .]?\d{2}[- .]?\d{4}|\d{4})\b", re.IGNORECASE)
_NANP = re.compile(r"(?<![\w\-])(?:\+?1[\s.\-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4}(?![\w\-])")
_LONG_NUMBER = re.compile(r"(?<![\w\-])\d{7,}(?![\w\-])")
_CUED_NUMBER = re.compile(
    r"\b(?:case|claim|account|acct|reference|ref|confirmation|ticket|application|member|policy|tracking|"
    r"receipt|record|file|license|licence|driver'?s? licen[cs]e|passport|id|identification)"
    r"(?:\s+(?:number|no\.?|num|#))?\s*(?:is\s+|:\s*|#\s*)?([A-Z0-9][A-Z0-9\-]{3,})\b", re.IGNORECASE)


def _group_spans(pattern: re.Pattern, text: str, group: int = 0, need_digit: bool = False) -> list[tuple[int, int]]:
    out = []
    for m in pattern.finditer(text):
        if need_digit and not any(c.isdigit() for c in m.group(group)):
            continue
        out.append(m.span(group))
    return out


_RULES = {  # entity -> spans of one text
    "PERSON": _person_spans,
    "ADDRESS": _address_spans,
    "US_SSN": lambda t: _group_spans(_SSN, t) + _group_spans(_SSN_CUED, t, 1),
    "PHONE_NUMBER": lambda t: _group_spans(_NANP, t),
    "ID_NUMBER": lambda t: _group_spans(_LONG_NUMBER, t) + _group_spans(_CUED_NUMBER, t, 1, need_digit=True),
}
# When two findings overlap, the more specific wins: an SSN is not an ID number, an email not a name.
_SCORES = {"EMAIL_ADDRESS": 1.0, "US_SSN": 0.95, "CREDIT_CARD": 0.9, "IP_ADDRESS": 0.9, "URL": 0.85,
           "PHONE_NUMBER": 0.8, "ADDRESS": 0.75, "ID_NUMBER": 0.6, "PERSON": 0.5}


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
        ScoredPhoneRecognizer(),
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


def redact(text: str | None) -> Redacted:
    """The text with every personal detail found replaced by a placeholder such as '[name]'."""
    if text is None or not str(text).strip():
        return Redacted("" if text is None else str(text))
    from presidio_anonymizer.entities import ConflictResolutionStrategy

    text = str(text)
    analyzer, anonymizer, operators = engines()
    found = analyzer.analyze(text=text, language="en", entities=list(PLACEHOLDERS))
    if not found:
        return Redacted(text)
    result = anonymizer.anonymize(text=text, analyzer_results=found, operators=operators,
                                  conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS)
    kinds = tuple(sorted({item.entity_type for item in result.items}))
    return Redacted(result.text, len(result.items), kinds)
