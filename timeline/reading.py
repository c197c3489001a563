"""Reading an article for editors: the dates it gives (resolved against its own date), the actors
and places it names, its numbers, who it says said what, and for each sentence the existing
events it may report. Pure functions over text and querysets, no request: the ``read_article``
command and the editors' workbench both call ``read``. Nothing here writes.

Every span is a pair of character offsets into the text as given (``text[start:end]`` is the
article's own words), whatever folding the matching needed.

Date rules (the collection's own, README "Rules the data follows"), against the article's date D:

- "on Monday", "Wednesday": the latest such day on or before D ("on Monday" in a Monday story is D);
- "yesterday": D - 1; "today": D;
- "last night", "overnight": between D - 1 and D (date D - 1, end date D), resolved;
- "this week": the Monday of D's week to D;
- "that day", "earlier that day", "later that day": the day of the date just before it in the text;
  with none before it, it is listed with date null and a note saying why (never guessed);
- "January 19", "19 January", "Jan. 19", with or without a year: that day in D's year (or the
  year given), basis stated.
"""

import datetime
import functools
import re
from dataclasses import dataclass, field

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta
from django.db import connection

from timeline.models import Actor, Event, Place
from timeline.search import FTS_TABLE
from timeline.text import WORD, fold

# ---------------------------------------------------------------------------------------------
# Folding with an offset map

WORDISH = re.compile(r"[^\W_]")


def folded_with_offsets(text):
    """``(folded, offsets)``: ``fold(text)`` made character by character, and for each character
    of it the offset of the character of ``text`` it came from (one more entry: ``len(text)``)."""
    chars, offsets = [], []
    for index, char in enumerate(text):
        for folded_char in fold(char):
            chars.append(folded_char)
            offsets.append(index)
    offsets.append(len(text))
    return "".join(chars), offsets


def _original_span(offsets, start, end):
    """The span of the original text that the folded span ``start:end`` came from."""
    return offsets[start], (offsets[end - 1] + 1) if end > start else offsets[start]


# ---------------------------------------------------------------------------------------------
# Dates

WEEKDAYS = {"monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH, "friday": FR, "saturday": SA, "sunday": SU}
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<{}>January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_DAY = r"(?P<{}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<{}>(?:19|20)\d\d))?"
DATE_PATTERN = re.compile(
    "|".join(
        [
            # An explicit day, perhaps after its weekday ("Wednesday, January 5"): stated.
            rf"(?P<explicit>(?:(?:on\s+)?{_WEEKDAY},?\s+)?(?:on\s+)?(?:{_MONTH.format('m1')}\s+{_DAY.format('d1')}"
            rf"(?![\d:]){_YEAR.format('y1')}|{_DAY.format('d2')}\s+(?:of\s+)?{_MONTH.format('m2')}{_YEAR.format('y2')}))",
            r"(?P<that_day>(?:(?:earlier|later)\s+)?(?:on\s+)?that\s+day)",
            r"(?P<last_night>last\s+night)",
            r"(?P<overnight>overnight)",
            r"(?P<yesterday>yesterday)",
            r"(?P<today>today)",
            r"(?P<this_week>this\s+week)",
            rf"(?P<weekday>(?:on\s+)?(?P<day_name>{_WEEKDAY}))",
        ]
    ),
    re.IGNORECASE,
)


@dataclass
class FoundDate:
    words: str
    start: int
    end: int
    date: datetime.date | None
    end_date: datetime.date | None
    basis: str
    note: str

    def as_dict(self):
        return {
            "words": self.words,
            "start": self.start,
            "end": self.end,
            "date": self.date.isoformat() if self.date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "basis": self.basis,
            "note": self.note,
        }

    @property
    def last(self):
        return self.end_date or self.date


def _day(day, with_year=True):
    return f"{day.day} {day:%B %Y}" if with_year else f"{day.day} {day:%B}"


def _span_words(first, last):
    if last is None or last == first:
        return _day(first, with_year=False)
    if first.month == last.month:
        return f"{first.day} to {_day(last, with_year=False)}"
    return f"{_day(first, with_year=False)} to {_day(last, with_year=False)}"


def find_dates(text, published):
    """Every date ``text`` gives, resolved against ``published`` (the article's date): a list of
    FoundDate in the order of the text. See the module's docstring for the rules."""
    article = f"the article of {published:%A} {published.day} {published:%B %Y}"
    found = []
    for match in DATE_PATTERN.finditer(text):
        words = match.group(0)
        start, end = match.span()
        quoted = f"‘{' '.join(words.split())}’"
        first, last, basis = None, None, "resolved"
        if match["explicit"]:
            month_name = (match["m1"] or match["m2"]).rstrip(".").lower()
            day_number = int(match["d1"] or match["d2"])
            year = int(match["y1"] or match["y2"] or published.year)
            try:
                first = datetime.date(year, MONTHS[month_name], day_number)
            except ValueError:
                found.append(FoundDate(words, start, end, None, None, "stated", f"{quoted}: no such day"))
                continue
            basis = "stated"
            note = f"{quoted} in {article}: {_day(first)}, stated"
        elif match["that_day"]:
            before = next((d for d in reversed(found) if d.date), None)
            if before is None:
                note = f"{quoted} in {article}: no date before it in the text to refer to; not resolved"
                found.append(FoundDate(words, start, end, None, None, "resolved", note))
                continue
            first = before.date if before.end_date is None else before.last
            note = f"{quoted} in {article}, after ‘{before.words}’: {_day(first, with_year=False)}"
        elif match["last_night"] or match["overnight"]:
            first, last = published - datetime.timedelta(days=1), published
            note = f"{quoted} in {article}: between {_span_words(first, last).replace(' to ', ' and ')}"
        elif match["yesterday"]:
            first = published - datetime.timedelta(days=1)
            note = f"{quoted} in {article}: {_day(first, with_year=False)}"
        elif match["today"]:
            first = published
            note = f"{quoted} in {article}: {_day(first, with_year=False)}"
        elif match["this_week"]:
            first, last = published + relativedelta(weekday=MO(-1)), published
            note = f"{quoted} in {article}: {_span_words(first, last)}"
        else:
            weekday = WEEKDAYS[match["day_name"].lower()]
            first = published + relativedelta(weekday=weekday(-1))  # on or before the article's date
            note = f"{quoted} in {article}: {_day(first, with_year=False)}"
        found.append(FoundDate(words, start, end, first, last if last != first else None, basis, note))
    return found


# ---------------------------------------------------------------------------------------------
# Names of actors and places


@dataclass(frozen=True)
class FoundName:
    kind: str  # "actor" or "place"
    slug: str
    pk: int
    words: str
    start: int
    end: int

    def as_dict(self):
        return {"kind": self.kind, "slug": self.slug, "words": self.words, "start": self.start, "end": self.end}


def known_names(actors=None, places=None):
    """[(folded variant, kind, slug, pk)] for every name and name variant of ``actors`` and
    ``places`` (querysets; all of each by default)."""
    names = []
    for kind, queryset in (("actor", actors), ("place", places)):
        model = Actor if kind == "actor" else Place
        rows = (queryset if queryset is not None else model.objects.all()).values_list("pk", "slug", "name", "aliases")
        for pk, slug, name, aliases in rows:
            for variant in {name, *(a for a in aliases or [] if isinstance(a, str))}:
                folded = " ".join(fold(variant).split())
                if folded:
                    names.append((folded, kind, slug, pk))
    return names


def find_names(text, names):
    """Every known name in ``text``: ``names`` as ``known_names`` gives them. Whole words only,
    case, accents and typographic quotes folded; the longest match first, and a name inside a
    longer match is not reported again (the same words may name both an actor and a place)."""
    folded, offsets = folded_with_offsets(text)
    candidates = []
    for variant, kind, slug, pk in names:
        pattern = r"(?<![^\W_])" + r"\s+".join(map(re.escape, variant.split())) + r"(?![^\W_])"
        for match in re.finditer(pattern, folded):
            candidates.append((match.start(), match.end(), kind, slug, pk))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], c[2], c[3]))
    taken, found = [], {}
    for start, end, kind, slug, pk in candidates:
        clash = [t for t in taken if t[0] < end and start < t[1]]
        if any(t != (start, end) for t in clash):
            continue  # inside (or across) a longer match
        taken.append((start, end))
        original_start, original_end = _original_span(offsets, start, end)
        found.setdefault(
            (original_start, kind, slug),
            FoundName(kind, slug, pk, text[original_start:original_end], original_start, original_end),
        )
    return sorted(found.values(), key=lambda n: (n.start, n.kind, n.slug))


# ---------------------------------------------------------------------------------------------
# Numbers

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
}  # fmt: skip
QUALIFIERS = [
    "more than", "fewer than", "less than", "at least", "up to", "as many as", "about", "around", "nearly",
    "almost", "some", "over", "approximately", "roughly", "at most",
]  # fmt: skip
SCALES = {"thousand": 1_000, "million": 1_000_000}
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
NUMBER_PATTERN = re.compile(
    rf"(?<![\w,.:\-/])(?:(?P<qualifier>{'|'.join(q.replace(' ', r'\s+') for q in QUALIFIERS)})\s+)?"
    rf"(?:(?P<digits>\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(?P<fraction>\d+))?(?:\s+(?P<scale>thousand|million))?"
    rf"(?![\w:%]|[.,\-/]\d)|(?P<dozen>a\s+dozen)|(?P<vague>dozens|hundreds|thousands|scores)"
    rf"|(?P<word>{_NUMBER_WORD})(?:\s+(?P<word_scale>thousand|million))?)(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundNumber:
    words: str
    value: int | None
    qualifier: str
    start: int
    end: int

    def as_dict(self):
        return {
            "words": self.words,
            "value": self.value,
            "qualifier": self.qualifier,
            "start": self.start,
            "end": self.end,
        }


def find_numbers(text, dates=()):
    """Every number ``text`` gives, with its qualifier as written ("more than 350": 350, "more
    than"); "dozens" and "hundreds" have no value and are their own qualifier; "a dozen" is 12.
    Numbers inside a date found (``dates``), and years (1900 to 2099) given alone, are left out."""
    inside_dates = [(d.start, d.end) for d in dates]
    found = []
    for match in NUMBER_PATTERN.finditer(text):
        start, end = match.span()
        if any(s < end and start < e for s, e in inside_dates):
            continue
        qualifier = " ".join((match["qualifier"] or "").split())
        if match["digits"]:
            digits = match["digits"].replace(",", "")
            if (
                not qualifier
                and "," not in match["digits"]
                and len(digits) == 4
                and 1900 <= int(digits) < 2100
                and not match["scale"]
            ):
                continue  # a year
            value = float(f"{digits}.{match['fraction'] or 0}") * SCALES.get((match["scale"] or "").lower(), 1)
            value = round(value)
        elif match["dozen"]:
            value = 12
        elif match["vague"]:
            value, qualifier = None, " ".join(filter(None, [qualifier, match["vague"].lower()]))
        else:
            value = NUMBER_WORDS[match["word"].lower()] * SCALES.get((match["word_scale"] or "").lower(), 1)
        found.append(FoundNumber(match.group(0), value, qualifier, start, end))
    return found


# ---------------------------------------------------------------------------------------------
# Claimants

SAYS_AFTER = re.compile(r"\s+(?:(?:has|have|had)\s+)?(?P<verb>said|says|told|tells|reported|reports)\b", re.IGNORECASE)
SAYS_BEFORE = re.compile(r"\b(?P<verb>said|says|according\s+to)\s+(?:the\s+)?$", re.IGNORECASE)
THE_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class FoundClaimant:
    actor: str  # slug
    words: str  # the whole phrase: "the Interior Ministry said", "according to AFP"
    start: int
    end: int
    claimant_words: str  # the actor's words as the article writes them: "the Interior Ministry"

    def as_dict(self):
        return {
            "actor": self.actor,
            "words": self.words,
            "start": self.start,
            "end": self.end,
            "claimant_words": self.claimant_words,
        }


def find_claimants(text, names):
    """ "X said", "X told", "X reported", "said X", "according to X", where X is an actor's
    name found (``names``, from ``find_names``)."""
    found = []
    for name in names:
        if name.kind != "actor":
            continue
        the = THE_BEFORE.search(text, max(0, name.start - 10), name.start)
        name_start = the.start() if the else name.start
        claimant_words = text[name_start : name.end]
        if after := SAYS_AFTER.match(text, name.end):
            start, end = name_start, after.end()
        elif before := SAYS_BEFORE.search(text, max(0, name.start - 30), name.start):
            start, end = before.start(), name.end
        else:
            continue
        found.append(FoundClaimant(name.slug, text[start:end], start, end, claimant_words))
    return found


# ---------------------------------------------------------------------------------------------
# Sentences

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "capt", "maj", "prof", "rev", "gov", "sen", "rep",
    "no", "vs", "etc", "inc", "ltd", "co", "jr", "sr", "approx", "est", "e.g", "i.e", "u.s", "u.n", "u.k",
    *(m for m in MONTHS if len(m) <= 4),
}  # fmt: skip
SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z\d])|\n\s*\n|\n(?=\s*\S)")


def split_sentences(text):
    """[(start, end)] of the sentences of ``text``, blank space left out. A full stop after an
    abbreviation ("Mr.", "Jan.", "U.S.") or an initial does not end a sentence; a line break does."""
    spans, start = [], 0
    for match in SENTENCE_END.finditer(text):
        if match.group(0).startswith("."):
            before = re.search(r"([\w.]+)$", text[start : match.start()])
            word = before.group(1).lower() if before else ""
            if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        spans.append((start, match.end() if not match.group(0).isspace() else match.start()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        piece = text[s:e]
        s, e = s + len(piece) - len(piece.lstrip()), e - (len(piece) - len(piece.rstrip()))
        if e > s:
            trimmed.append((s, e))
    return trimmed


# ---------------------------------------------------------------------------------------------
# Candidate events

#: Verbs (and their nouns) the collection's events are worded with, in groups of words that say
#: the same thing: a sentence's "seized" finds an event's "overrun". Each word is a stem: it matches
#: the words it begins ("storm" finds "stormed", "storming").
SYNONYMS = [
    ["seiz", "overr", "overran", "storm", "captur", "took over", "taken over", "take over", "occup"],
    ["kill", "dead", "death", "died", "slain", "lost their lives", "fatalit"],
    ["wound", "injur", "hurt"],
    ["detain", "arrest", "custody", "held"],
    ["burn", "fire", "torch", "ablaze", "set alight"],
    ["shoot", "shot", "gunfire", "fire on", "opened fire"],
    ["protest", "demonstrat", "ralli", "rally"],
    ["resign", "dismiss", "sack", "stepped down", "step down", "ousted"],
    ["troop", "soldier", "peacekeep", "forces"],
    ["internet", "blackout", "shutdown", "connection"],
    ["loot", "ransack", "plunder"],
    ["curfew", "state of emergency", "emergency"],
    ["fuel", "gas", "lpg", "price"],
]
STOP_WORDS = set(
    """a about above after again against all also am an and any are as at be
    because been before being below between both but by can could did do does doing down
    during each few for from further had has have having he her here hers him his
    how i if in into is it its itself just me more most my no nor
    not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to
    too under until up very was we were what when where which while who whom why
    will with would you your said says told tells according reported reports say new one two
    three four five six seven eight nine ten yesterday today tonight night overnight week monday tuesday
    wednesday thursday friday saturday sunday january february march april may june july august september
    october november december jan feb mar apr jun jul aug sep sept oct nov dec mr mrs ms
    dr year years day days time people""".split()  # noqa: SIM905
)
SUFFIXES = ("ings", "ing", "ers", "er", "ed", "es", "s", "e")
#: How far (days) an event may lie from the sentence's dates to be a candidate at all, and how many
#: events each sentence's query may bring back to be scored; at most MAX_CANDIDATES are kept.
WINDOW_DAYS = 3
FETCH_PER_SENTENCE = 20
#: How many events the search index may hand over per sentence (before the date window), up to how
#: many entries a term may have for the index to rank them (bm25, SQLite), and from how many entries
#: on a word is too common to look up (while the sentence has others).
FETCH_FROM_INDEX = 100
RANK_UP_TO = 1_000
COMMON = 10_000
VOCAB_TABLE = "timeline_reading_vocab"
MAX_CANDIDATES = 5


@functools.lru_cache(maxsize=65_536)
def stem(word):
    """A crude stem: the word without one common ending, never shorter than four letters."""
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


_SYNONYM_STEMS = [[" ".join(stem(w) for w in s.split()) for s in group] for group in SYNONYMS]


@functools.cache
def _group_of(stemmed):
    """The index of the synonym group a stem belongs to, or None."""
    for index, group in enumerate(_SYNONYM_STEMS):
        if any(stemmed.startswith(s) for s in group if " " not in s):
            return index
    return None


@dataclass
class Terms:
    """The words of a sentence (or an event) as candidates compare them: stems, and the synonym
    groups they belong to ({group index: the stem that put it there})."""

    stems: dict = field(default_factory=dict)  # stem -> a word as written (folded)
    groups: dict = field(default_factory=dict)  # group -> stem

    @classmethod
    def of(cls, text):
        terms = cls()
        folded_words = WORD.findall(fold(text))
        joined = f" {' '.join(stem(w) for w in folded_words)} "
        for word in dict.fromkeys(folded_words):
            if word in STOP_WORDS or len(word) < 3 or word.isdigit():
                continue
            stemmed = stem(word)
            terms.stems.setdefault(stemmed, word)
            group = _group_of(stemmed)
            if group is not None:
                terms.groups.setdefault(group, stemmed)
        for index, group in enumerate(_SYNONYM_STEMS):  # phrases: "took over", "set alight"
            for phrase in (s for s in group if " " in s):
                if f" {phrase}" in joined:
                    terms.groups.setdefault(index, phrase)
        return terms

    @classmethod
    def of_entry(cls, text):
        """The terms of an event's search entry (already folded words), quickly: the stems of its
        words (stop words too: they are never looked up), and its synonym groups with the word that
        put each there (the entry's word, for "seized~overrun")."""
        terms, unique = cls(), set(text.split())
        terms.stems = dict.fromkeys(stem(w) for w in unique)
        for word in unique:
            group = _group_of(stem(word))
            if group is not None:
                terms.groups.setdefault(group, word)
        padded = f" {text} "
        for index, group in enumerate(SYNONYMS if _SYNONYM_STEMS else []):
            for phrase in (s for s in group if " " in s):
                if f" {phrase} " in padded:
                    terms.groups.setdefault(index, phrase)
        return terms


def _usable(stems):
    """The stems of a term set the search index can look up (phrases are matched in Python only)."""
    return [s for s in stems if re.fullmatch(r"[^\W_]+", s)]


def document_counts(stems):
    """{stem: about how many events' search entries have a word it begins}, for choosing the
    rarest terms of a sentence. SQLite: summed from the index's own vocabulary (an fts5vocab
    table in the connection's temporary schema: nothing is written to the database); PostgreSQL:
    counted through the GIN index, up to COMMON + 1."""
    stems = sorted(set(stems))
    if not stems:
        return {}
    counts = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(stems), 100):
                batch = stems[start : start + 100]
                sql = " UNION ALL ".join(
                    f"SELECT %s, (SELECT count(*) FROM (SELECT 1 FROM timeline_searchentry WHERE "
                    f"to_tsvector('simple'::regconfig, COALESCE(text, '')) @@ to_tsquery('simple', %s) "
                    f"LIMIT {COMMON + 1}) found)"
                    for _ in batch
                )
                cursor.execute(sql, [value for stem in batch for value in (stem, f"{stem}:*")])
                counts.update(cursor.fetchall())
            return counts
        cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{VOCAB_TABLE} USING fts5vocab(main, {FTS_TABLE}, row)")
        for start in range(0, len(stems), 300):
            batch = stems[start : start + 300]
            values = ", ".join("(%s, %s, %s)" for _ in batch)
            cursor.execute(
                f"WITH wanted(stem, low, high) AS (VALUES {values}) SELECT stem, (SELECT coalesce(sum(doc), 0) "
                f"FROM temp.{VOCAB_TABLE} WHERE term >= wanted.low AND term < wanted.high) FROM wanted",
                [value for stem in batch for value in (stem, stem, stem[:-1] + chr(ord(stem[-1]) + 1))],
            )
            counts.update(cursor.fetchall())
    return counts


def _index_query(term_sets):
    """The search index's query for a sentence's term sets, rarest first: events with two of its
    three rarest terms ("(airport AND (seiz OR overr ...)) OR (airport AND witness) OR ..."), or
    with its one term; each term an OR of its stems as prefixes. Only the rarest terms are read,
    which keeps the query cheap however common the others are; any two of three, so that one
    incidental rare word ("witness") does not have to be in every candidate."""
    sqlite = connection.vendor != "postgresql"
    either = " OR " if sqlite else " | "
    terms = [either.join(f'"{s}"*' if sqlite else f"{s}:*" for s in stems) for stems in term_sets]
    terms = [f"({t})" for t in terms if t]
    if not terms:
        return None
    if len(terms) == 1:
        return terms[0]
    both = " AND " if sqlite else " & "
    rarest = terms[:3]
    return either.join(f"({a}{both}{b})" for i, a in enumerate(rarest) for b in rarest[i + 1 :])


def _found_by_index(queries):
    """{i: [event id, ...]} for each (i, query, ranked) of ``queries``: the first FETCH_FROM_INDEX
    events the search index finds for the query (on SQLite the best by its bm25 rank when
    ``ranked``: a rare enough rarest term), in one statement for all of them."""
    found = {}
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for start in range(0, len(queries), 100):
            batch, parts, params = queries[start : start + 100], [], []
            for i, query, ranked in batch:
                if postgresql:
                    parts.append(
                        f"SELECT {int(i)}, event_id FROM (SELECT event_id FROM timeline_searchentry WHERE "
                        "to_tsvector('simple'::regconfig, COALESCE(text, '')) @@ to_tsquery('simple', %s) "
                        f"LIMIT {FETCH_FROM_INDEX}) q{int(i)}"
                    )
                else:
                    order = "ORDER BY rank " if ranked else ""
                    parts.append(
                        f"SELECT * FROM (SELECT {int(i)}, rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                        f"{order}LIMIT {FETCH_FROM_INDEX})"
                    )
                params.append(query)
            cursor.execute(" UNION ALL ".join(parts), params)
            for i, event_id in cursor.fetchall():
                found.setdefault(i, []).append(event_id)
    return found


def _sentence_term_sets(terms, names):
    """The terms a sentence's query looks for: each synonym group (all its stems), each other
    word's stem, and each actor or place named (all its name variants' words), longest words first,
    at most eight."""
    sets, covered = [], set()
    for group, stemmed in terms.groups.items():
        sets.append(list(_SYNONYM_STEMS[group]))
        covered.add(stemmed)
    for name in names:  # the name as written: an event's entry holds every variant of its names
        name_stems = {stem(w) for w in re.findall(r"[^\W_]+", fold(name.words)) if w not in STOP_WORDS and len(w) >= 3}
        if name_stems:
            sets.append(sorted(name_stems))
            covered |= name_stems
    rest = sorted((s for s in terms.stems if s not in covered and _group_of(s) is None), key=len, reverse=True)
    sets += [[s] for s in rest]
    return [usable for usable in (_usable(stems) for stems in sets[:8]) if usable]


def _distance(first, last, event_first, event_last):
    """Days between the span first..last and the event's span (0 when they overlap)."""
    if last < event_first:
        return (event_first - last).days
    if event_last < first:
        return (first - event_last).days
    return 0


def candidate_events(sentences, published, names, dates, events=None):
    """For each sentence (start, end, text), the events of ``events`` (all by default) it may
    report: [[{"event", "score", "why"}], ...], best first, at most MAX_CANDIDATES each.

    A sentence's candidates are the events within WINDOW_DAYS of its dates (or of the article's
    date, when it gives none) among those the search index finds with its rarest term and one of
    its next two (terms: a synonym group, an actor or place named, a word; rarity from
    ``document_counts``). The queries do not grow with the article: one statement asks the index
    for every sentence at once (at most FETCH_FROM_INDEX events each), one reads those events'
    dates within the article's window through the date indexes, one reads the entries of the first
    FETCH_PER_SENTENCE of each sentence, and two their actors and places. They are scored here,
    in Python:
    3 for the same day (2 within a day, 1 within the window), 2 for each actor or place shared,
    2 for each synonym group shared (the verbs events are told with: "seized~overrun"), 1 for each
    other word shared (a word of a name found counts as the name only)."""
    events = Event.objects.all() if events is None else events
    readings, margin = [], datetime.timedelta(days=WINDOW_DAYS)
    for start, end, text in sentences:
        sentence_names = [n for n in names if start <= n.start < end]
        terms = Terms.of(text)
        readings.append((start, end, sentence_names, terms, _sentence_term_sets(terms, sentence_names)))
    counts = document_counts(stem for *_, term_sets in readings for stems in term_sets for stem in stems)
    plans, queries = [], []
    for start, end, sentence_names, terms, term_sets in readings:
        inside = [d for d in dates if d.date and start <= d.start < end]
        first = min((d.date for d in inside), default=published)
        last = max((d.last for d in inside), default=published)
        # The commonest words make an index query slow and find too much: left out while others remain.
        term_sets = [[s for s in stems if counts.get(s, 0) <= COMMON] or stems for stems in term_sets]
        term_sets = sorted(
            (stems for stems in term_sets if any(counts.get(s) for s in stems)),  # no entry has it: no help
            key=lambda stems: sum(counts.get(s, 0) for s in stems),
        )
        query = _index_query(term_sets)
        if query is not None:
            queries.append((len(plans), query, sum(counts.get(s, 0) for s in term_sets[0]) <= RANK_UP_TO))
        plans.append((first - margin, last + margin, first, last, bool(inside), sentence_names, terms))
    found = _found_by_index(queries)
    # The window of every sentence at once, read through the date indexes: then each sentence's own.
    spans = {}
    if found:
        ids = {event_id for events_found in found.values() for event_id in events_found}
        low = min(plan[0] for i, plan in enumerate(plans) if i in found)
        high = max(plan[1] for i, plan in enumerate(plans) if i in found)
        for pk, day, end_day in events.overlapping(low, high).filter(pk__in=ids).values_list("pk", "date", "end_date"):
            spans[pk] = (day, end_day or day)
    chosen = {}
    for i, (low, high, *_rest) in enumerate(plans):
        inside_window = [pk for pk in found.get(i, []) if pk in spans and spans[pk][1] >= low and spans[pk][0] <= high]
        chosen[i] = inside_window[:FETCH_PER_SENTENCE]
    wanted = {pk for pks in chosen.values() for pk in pks}
    rows_of = {
        row["pk"]: row
        for row in Event.objects.filter(pk__in=wanted).values("pk", "slug", "date", "end_date", "search_entry__text")
    }
    plans = [(*plan[2:], [rows_of[pk] for pk in chosen[i]]) if i in found else None for i, plan in enumerate(plans)]
    actors, places = {}, {}
    for through, key, links in ((Event.actors.through, "actor_id", actors), (Event.places.through, "place_id", places)):
        for event_id, entity_id in through.objects.filter(event_id__in=wanted).values_list("event_id", key):
            links.setdefault(event_id, set()).add(entity_id)
    labels = {("actor", n.pk): n.words for n in names if n.kind == "actor"}
    labels |= {("place", n.pk): n.words for n in names if n.kind == "place"}
    event_terms_of, results = {}, []
    for plan in plans:
        if plan is None:
            results.append([])
            continue
        first, last, dated, sentence_names, terms, rows = plan
        actor_ids = {n.pk for n in sentence_names if n.kind == "actor"}
        named = {stemmed for n in sentence_names for stemmed in Terms.of(n.words).stems}  # counted as names
        place_ids = {n.pk for n in sentence_names if n.kind == "place"}
        scored = []
        for row in rows:
            if row["pk"] not in event_terms_of:
                event_terms_of[row["pk"]] = Terms.of_entry(row["search_entry__text"] or "")
            event_terms = event_terms_of[row["pk"]]
            days = _distance(first, last, row["date"], row["end_date"] or row["date"])
            score, why = {0: 3, 1: 2}.get(days, 1), []
            when = "same day" if days == 0 else f"{days} day{'s' if days > 1 else ''} apart"
            why.append(when if dated else f"{when} (article's date)")
            shared = [("actor", a) for a in actor_ids & actors.get(row["pk"], set())]
            shared += [("place", p) for p in place_ids & places.get(row["pk"], set())]
            score += 2 * len(shared)
            why += sorted({labels[s] for s in shared})
            matched, verbs = [], 0
            for group, stemmed in terms.groups.items():
                if group in event_terms.groups and stemmed not in named:
                    verbs += 1
                    theirs = event_terms.groups[group]
                    mine = terms.stems.get(stemmed, stemmed)
                    matched.append(mine if stem(theirs) == stemmed else f"{mine}~{theirs}")
            grouped = set(terms.groups.values())
            matched += [
                word
                for stemmed, word in terms.stems.items()
                if stemmed not in grouped and stemmed not in named and stemmed in event_terms.stems
            ]
            score += len(matched) + verbs  # a shared verb (synonym group) counts twice
            if matched:
                why.append("words: " + ", ".join(matched))
            if not (shared or matched):
                continue
            scored.append({"event": row["slug"], "score": score, "why": "; ".join(why)})
        scored.sort(key=lambda c: (-c["score"], c["event"]))
        results.append(scored[:MAX_CANDIDATES])
    return results


# ---------------------------------------------------------------------------------------------
# The whole reading


def read(text, published, events=None, actors=None, places=None):
    """Read ``text``, an article published on ``published`` (a date): a dict of its dates, names,
    numbers, claimants and sentences with their candidate events, as the schema
    timeline/schemas/reading.schema.json describes. ``events``, ``actors``, ``places``: querysets
    to read against (all by default)."""
    dates = find_dates(text, published)
    names = find_names(text, known_names(actors, places))
    numbers = find_numbers(text, dates)
    claimants = find_claimants(text, names)
    spans = split_sentences(text)
    sentences = [(start, end, text[start:end]) for start, end in spans]
    candidates = candidate_events(sentences, published, names, dates, events)
    return {
        "published": published.isoformat(),
        "dates": [d.as_dict() for d in dates],
        "names": [n.as_dict() for n in names],
        "numbers": [n.as_dict() for n in numbers],
        "claimants": [c.as_dict() for c in claimants],
        "sentences": [
            {"start": start, "end": end, "text": sentence, "candidates": found}
            for (start, end, sentence), found in zip(sentences, candidates, strict=True)
        ],
    }
