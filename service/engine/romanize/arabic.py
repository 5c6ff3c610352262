"""Arabic script (Arabic, Persian, Urdu, Pashto letters): vowel guesses, compounds, consonant keys.

Short vowels are not written, so a name is found by its consonants (``abjad.keys``, compared with
the consonant keys of the Latin vocabulary) and ranked by Latin guesses:
- the long-vowel letters read as the vowels Latin spellings write: ا a, و u/o (w at the start,
  "aw"/"ou" as a diphthong), ي i/e (y at the start, "ay"/"ai"), ة a/ah, ى a/i; names from other
  languages use letters for the sounds Arabic lacks (غ and ج for g, ف for v, ب for p, ش for ch,
  ق for g), read second;
- the unwritten short vowel put back where Arabic syllables need one (``_vowelled``): no word
  starts or ends with two consonants, none has three in a row (``abjad.vowelled``: "حسن" -> "hasan");
- compounds written as two words and romanized as one (``compounds``): "X الله" -> "Xullah",
  "X الدين" -> "Xuddin"/"Xeddine", "عبد X" -> "abdulX"/"abdelX"/"abdX", as well as apart.

The guesses carry ``CLOSE_MARK``: they count only where close to a listed spelling.
"""

from __future__ import annotations

from service.engine.romanize.abjad import CLOSE_MARK, LetterTable, guesses, keys, letters, vowelled

_V = {
    "ا": ("a",),
    "أ": ("a", "e"),
    "إ": ("i", "e"),
    "آ": ("a",),
    "ٱ": ("a",),
    "ء": ("", "a"),
    "ئ": ("", "i"),
    "ؤ": ("", "u"),
    "و": ("u", "o", "w", "aw", "ou"),
    "ي": ("i", "e", "y", "ay", "ai"),
    "ی": ("i", "e", "y", "ay", "ai"),
    "ى": ("a", "i"),
    "ے": ("e", "ay"),
    "ة": ("a", "ah"),
    "ع": ("a", ""),
}
TABLE = LetterTable(
    readings={
        **_V,
        "ب": ("b", "p"),
        "پ": ("p",),
        "ت": ("t",),
        "ٹ": ("t",),
        "ث": ("th", "s"),
        "ج": ("j", "g"),
        "چ": ("ch",),
        "ح": ("h",),
        "خ": ("kh", "h"),
        "د": ("d",),
        "ڈ": ("d",),
        "ذ": ("dh", "z"),
        "ر": ("r",),
        "ز": ("z",),
        "ژ": ("zh", "j"),
        "ځ": ("dz", "z"),
        "څ": ("ts", "s"),
        "س": ("s",),
        "ش": ("sh", "ch"),
        "ص": ("s",),
        "ض": ("d", "z"),
        "ط": ("t",),
        "ظ": ("z", "d"),
        "غ": ("gh", "g"),
        "ف": ("f", "v"),
        "ڤ": ("v",),
        "ق": ("q", "k", "g"),
        "ك": ("k", "c"),
        "ک": ("k",),
        "گ": ("g",),
        "ل": ("l",),
        "م": ("m",),
        "ن": ("n",),
        "ه": ("h",),
        "ہ": ("h",),
        "ھ": ("h",),
    },
    initial={
        "و": ("w", "o", "u"),
        "ي": ("y", "i", "e"),
        "ی": ("y", "i", "e"),
        "ا": ("a", "e", "i", "o"),
        "ع": ("a", "e", "i", "o"),
        "ء": ("a",),
        "ئ": ("i",),
        "ؤ": ("u",),
    },
    final={"ه": ("h", "a", "e"), "ی": ("i", "y", "ee"), "ي": ("i", "y", "ee")},
    digraph_marks="",
)
_ARTICLE = "ال"
_JOIN = "+"  # joins the words of a compound inside one word (no Arabic letter)
_ALLAH = {"الله", "اللہ"}
_DIN = {"الدين", "الدین"}
_ABD = {"عبد"}
_ALLAH_FORMS = ("ullah", "allah", "ulla")
_DIN_FORMS = ("uddin", "eddine", "addin", "aldin", "uddeen")
_ABD_FORMS = ("abdul", "abdel", "abd", "abdal", "abdur", "abdu")


def compounds(words: list[str]) -> list[str]:
    """Words that Latin spellings write as one joined with ``_JOIN``.

    >>> compounds(["هدايت", "الله", "عبد", "الرحمن", "شمس", "الدين"]) == \\
    ...     ["هدايت+الله", "عبد+الرحمن", "شمس+الدين"]
    True
    """
    out: list[str] = []
    for w in words:
        if out and (w in _ALLAH or w in _DIN) and _JOIN not in out[-1]:
            out[-1] += _JOIN + w
        elif out and out[-1] in _ABD:
            out[-1] += _JOIN + w
        else:
            out.append(w)
    return out


def _word(word: str) -> list[str]:
    """Latin guesses of one word (the article apart), the vowelled guess second."""
    core = word[2:] if word.startswith(_ARTICLE) and len(word) > 4 else word
    latin = guesses(letters(core, TABLE))
    if not latin:
        return []
    latin[1:1] = [vowelled(latin[0]), vowelled(latin[0], final=False)]
    if core != word:
        latin += ["al" + g for g in latin[:2]]
    return list(dict.fromkeys(latin))


def romanize(word: str) -> list[str]:
    """Latin guesses (marked), then consonant keys, for one word or compound of Arabic script.

    >>> romanize("زروال")[:3], romanize("بوتلر")[-2:]
    (['=zrual', '=zarual', '=zroal'], ['~btlr', '~ptlr'])
    >>> [f for f in romanize("هدايت+الله") if not f.startswith("~")][:3]
    ['=hdaitullah', '=hdaitallah', '=hdaitulla']
    """
    if _JOIN in word:
        first, second = word.split(_JOIN, 1)
        if first in _ABD:
            rest = _word(second)[:3]
            joined = [a + r for r in rest for a in _ABD_FORMS]
            apart = [f"{a} {r}" for r in rest for a in ("abd", "abdul", "abdel")]
        else:
            head = _word(first)[:3]
            forms = _ALLAH_FORMS if second in _ALLAH else _DIN_FORMS
            joined = [h + f for h in head for f in forms]
            apart = [f"{h} {'allah' if second in _ALLAH else 'din'}" for h in head]
        apart = [CLOSE_MARK + a.replace(" ", " " + CLOSE_MARK) for a in apart]
        return [CLOSE_MARK + g for g in joined] + keys(joined) + apart
    latin = _word(word)
    return [CLOSE_MARK + g for g in latin] + keys(latin)
