"""Search: how text is made comparable, and (see EventQuerySet.search) how events are found."""

import unicodedata

#: Typographic marks and their plain forms: the articles write "Putin’s", readers type "Putin's".
PLAIN = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "′": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-"})


def fold(text):
    """``text`` as it is compared in searches: accents removed, typographic quotes and
    dashes made plain, case folded. "Qasym-Jomárt’s" and "qasym-jomart's" fold alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(PLAIN).casefold()
