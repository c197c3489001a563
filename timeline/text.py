"""Text as searches compare it: folded (accents, typographic quotes and case made plain) and cut
into words. Below both the models (folded names) and search (the index), so neither imports the other."""

import re
import unicodedata

#: Typographic marks and their plain forms: the articles write "Putin’s", readers type "Putin's".
PLAIN = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "′": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})
WORD = re.compile(r"[^\W_]+")


def fold(text):
    """``text`` as it is compared in searches: accents removed, typographic quotes and
    dashes made plain, case folded. "Qasym-Jomárt’s" and "qasym-jomart's" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(PLAIN).casefold()


def words(text):
    """The words of ``text`` as the index holds them: folded runs of letters and digits."""
    return WORD.findall(fold(text))
