"""Arabic script (Arabic, Persian, Urdu letters): vowel letters read as vowels, and consonant keys.

Short vowels are not written, so a name is found by its consonants (``abjad.keys``, compared with
the consonant keys of the Latin vocabulary) and ranked by a Latin guess that reads the long-vowel
letters as the vowels Latin spellings write: ا a, و u/o (w at the start), ي i/e (y at the start),
ة and ى a. Names from other languages written in Arabic use letters for the sounds Arabic lacks
(غ and ج for g, ف for v, ب for p, ش for ch); those readings come second.
"""

from __future__ import annotations

from service.engine.romanize.abjad import CLOSE_MARK, LetterTable, guesses, keys, letters

_V = {"ا": ("a",), "أ": ("a", "e"), "إ": ("i", "e"), "آ": ("a",), "ٱ": ("a",), "ء": ("", "a"),
      "ئ": ("", "i"), "ؤ": ("", "u"), "و": ("u", "o", "w"), "ي": ("i", "e", "y"), "ی": ("i", "e", "y"),
      "ى": ("a",), "ة": ("a", "ah"), "ع": ("a", "")}
TABLE = LetterTable(
    readings={
        **_V, "ب": ("b", "p"), "پ": ("p",), "ت": ("t",), "ث": ("th", "s"), "ج": ("j", "g"), "چ": ("ch",),
        "ح": ("h",), "خ": ("kh", "h"), "د": ("d",), "ذ": ("dh", "z"), "ر": ("r",), "ز": ("z",),
        "ژ": ("zh", "j"), "س": ("s",), "ش": ("sh", "ch"), "ص": ("s",), "ض": ("d",), "ط": ("t",), "ظ": ("z",),
        "غ": ("gh", "g"), "ف": ("f", "v"), "ڤ": ("v",), "ق": ("q", "k"), "ك": ("k", "c"), "ک": ("k",),
        "گ": ("g",), "ل": ("l",), "م": ("m",), "ن": ("n",), "ه": ("h",), "ہ": ("h",), "ھ": ("h",),
    },
    initial={"و": ("w", "o", "u"), "ي": ("y", "i", "e"), "ی": ("y", "i", "e"), "ا": ("a", "e", "i", "o"),
             "ع": ("a", "e", "i", "o"), "ء": ("a",), "ئ": ("i",), "ؤ": ("u",)},
    final={"ه": ("h", "a", "e")},
    digraph_marks="",
)
_ARTICLE = "ال"


def romanize(word: str) -> list[str]:
    """Latin guesses, then consonant keys, for one Arabic-script word (the article "al-" apart).

    >>> romanize("زروال")[:2], romanize("بوتلر")[-2:]
    (['=zrual', '=zroal'], ['~btlr', '~ptlr'])
    """
    core = word[2:] if word.startswith(_ARTICLE) and len(word) > 4 else word
    latin = guesses(letters(core, TABLE))
    if core != word:
        latin += ["al" + g for g in latin[:2]]
    return [CLOSE_MARK + g for g in latin] + keys(latin)
