"""Hebrew: vowel letters read as vowels, consonants in their usual Latin spellings, geresh digraphs.

Names of any origin are written in Hebrew with matres lectionis (ו for o/u, י for i/e, א for a)
where Hebrew words would leave vowels out, so a letter-by-letter reading is close to the Latin
spelling: "אנטוניו" -> "antonio". Begadkefat letters (ב, כ, פ) are hard (b, k, p) at the start of
a word and soft (v, kh, f) after a vowel; both are given. Geresh makes the sounds Hebrew lacks:
ג' j, ז' zh, צ' ch, ת' th, ד' dh. Final forms (ך ם ן ף ץ) read as their letters. The vowels
left unwritten (mostly e and a) are put back where a syllable needs one (``abjad.vowelled``:
"הלן" hln -> "helen").
"""

from __future__ import annotations

from dataclasses import replace

from service.engine.romanize.abjad import LetterTable, guesses, keys, letters, vowelled

TABLE = LetterTable(
    readings={
        "א": ("a", "", "e"),
        "ב": ("b", "v"),
        "ג": ("g",),
        "ג'": ("j", "g"),
        "ד": ("d",),
        "ד'": ("th",),
        "ה": ("h", ""),
        "ו": ("o", "u", "v"),
        "וו": ("v", "w"),
        "ז": ("z",),
        "ז'": ("zh", "j"),
        "ח": ("h", "kh", "ch"),
        "ט": ("t",),
        "י": ("i", "y", "e"),
        "יי": ("y", "ei"),
        "כ": ("k", "kh", "c"),
        "ך": ("kh", "k"),
        "ל": ("l",),
        "מ": ("m",),
        "ם": ("m",),
        "נ": ("n",),
        "ן": ("n",),
        "ס": ("s",),
        "ע": ("a", "", "e"),
        "פ": ("p", "f"),
        "ף": ("f", "p"),
        "צ": ("tz", "ts", "z"),
        "ץ": ("tz", "z"),
        "צ'": ("ch",),
        "ק": ("k", "c", "q"),
        "ר": ("r",),
        "ש": ("sh", "s"),
        "ת": ("t",),
        "ת'": ("th",),
    },
    initial={
        "ו": ("v", "o", "u"),
        "י": ("y", "i", "e"),
        "פ": ("p", "f"),
        "א": ("a", "e", "o", "i"),
        "ע": ("a", "e", "o"),
    },
    final={"ה": ("a", "ah", "e", ""), "י": ("i", "y"), "ו": ("o", "u"), "ב": ("v", "b")},
    digraph_marks="'\u05f3\u2019",
)


_VOWEL_START = replace(TABLE, initial={**TABLE.initial, "ו": ("o", "u"), "י": ("i", "e")})


def romanize(word: str) -> list[str]:
    """Latin guesses, then consonant keys, for one Hebrew word.

    >>> romanize("אנטוניו")[0], romanize("סמית'")[0], romanize("קנוורי")[-2:]
    ('antonio', 'smith', ['cnwry', '~knr'])
    """
    table = TABLE
    if word[:2] in ("או", "אי"):  # alef carrying the vowel letter after it: "אוליביה" Olivia
        word, table = word[1:], _VOWEL_START
    latin = guesses(letters(word, table))
    if latin:
        latin[1:1] = [vowelled(latin[0], "e"), vowelled(latin[0], "a")]
    latin = list(dict.fromkeys(latin))
    return latin + keys(latin)
