"""What a reader sees, not what was typed: the first step of every normalization.

A screened name must not slip past the lists through characters the reader never sees. Every
character that renders as a blank or as nothing either separates words or is removed, and a
letter borrowed from another script inside a word (Cyrillic "а" in "Tareck") is read as the
letter it looks like:

- Spaces of every width (Unicode Zs: no-break, ideographic, thin...) and characters drawn as an
  empty cell (the Hangul fillers U+3164, U+FFA0, U+115F, U+1160 and the braille blank) become a
  plain space: the reader sees a blank. Line breaks and tabs (White_Space too) are kept, so the
  text screener still sees its lines.
- Every other Default_Ignorable_Code_Point, format (Cf) or control character (zero-width space
  and joiners, soft hyphen, variation selectors, bidi controls, tags, the BOM) is removed: the
  reader sees the letters on either side touch ("Ta\\u200breck" reads "Tareck"). One that sat
  between a lower-case and an upper-case letter ("Tareck\\u200bEl") becomes a space instead:
  the reader sees a word break there.
- A word mixing Latin, Cyrillic and Greek letters (the scripts whose letters are drawn alike) is
  written in one of them with Unicode's confusables table (UTS #39, shipped by
  ``confusable-homoglyphs``): its letters from the others become their look-alikes.
  A word written wholly in one script is never touched: "Путин" stays Cyrillic.

Every replacement is one character for one, or one for none, so ``unmask_offsets`` can map the
result back to the original text (the text screener reports offsets into what was sent).

>>> unmask("Tareck\\u3164El\\u200bAissami"), unmask("TARECK\\uffa0EL\\u3164AISSAMI")
('Tareck El Aissami', 'TARECK EL AISSAMI')
>>> unmask("Ta\\u200breck\\u2060El\\u00adAis\\ufe0fsami\\u202e")
'Tareck El Aissami'
>>> unmask("T\\u0430re\\u0441k"), unmask("\\u0422\\u0410R\\u0415\\u0421K"), unmask("Путин"), unmask("Пyтин")
('Tareck', 'TARECK', 'Путин', 'Путин')
"""

from __future__ import annotations

import collections
import functools

import regex
from confusable_homoglyphs import categories, confusables

# Drawn as an empty cell: a separator, as is every space character (Zs).
_BLANK = regex.compile(r"[\p{Zs}\u3164\uffa0\u115f\u1160\u2800]")
# Rendered as nothing: removed (White_Space is excluded: it separates already).
_IGNORABLE = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Variation_Selector}]")
_WHITE = regex.compile(r"\p{White_Space}")
# Any character the loop below has to look at (White_Space is checked there: it is kept).
_MASKING = regex.compile(
    r"[\p{Zs}\u3164\uffa0\u115f\u1160\u2800\p{Default_Ignorable_Code_Point}\p{Cf}"
    r"\p{Cc}\p{Variation_Selector}]"
)
_ALIKE = [regex.compile(r"\p{Latin}"), regex.compile(r"\p{Cyrillic}"), regex.compile(r"\p{Greek}")]
# A word as a reader sees one: letters, joined by hyphens, apostrophes or dots ("AL-SALAH", "S.A").
_LETTERS = regex.compile(r"[\p{L}\p{M}]+(?:[-'\u2019.][\p{L}\p{M}]+)*")


def unmask(text: str) -> str:
    """``text`` as a reader sees it: blanks as spaces, invisible characters gone, look-alikes folded."""
    return _unmask_name(text) if len(text) <= 1024 else unmask_offsets(text)[0]


@functools.lru_cache(maxsize=4096)
def _unmask_name(text: str) -> str:
    """``unmask`` of a name, kept: normalizing one name unmasks it three times (fold, romanization,
    consonant keys). Without the offsets, the characters are replaced by two regular expression
    passes, not looked at one by one (Persian names always have some: zero-width non-joiners)."""
    if text.isascii() and text.isprintable():
        return text
    if _MASKING.search(text) is None:
        return _fold_words(text)
    text = _BLANK.sub(" ", text)
    return _fold_words(_REMOVED_RUN.sub(lambda m: _run_gap(text, m.start(), m.end()), text))


# A run of characters rendered as nothing (``_kind``'s removed ones; the blanks are spaces by then).
_REMOVED_RUN = regex.compile(
    r"[[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Variation_Selector}]--\p{White_Space}]+", regex.V1
)


def _run_gap(text: str, start: int, end: int) -> str:
    """What a removed run leaves: a space between a lower-case and an upper-case letter (the reader
    sees a word break), else nothing."""
    return " " if 0 < start and end < len(text) and text[start - 1].islower() and text[end].isupper() else ""


def unmask_offsets(text: str) -> tuple[str, list[int]]:
    """``unmask(text)`` and, for each of its characters, the offset of its source in ``text``."""
    if text.isascii() and text.isprintable():
        return text, list(range(len(text)))
    if _MASKING.search(text) is None:  # most names: nothing to remove or blank, only scripts to check
        return _fold_words(text), list(range(len(text)))
    out: list[str] = []
    offsets: list[int] = []
    pending_break = False  # an invisible character was removed since the last kept one
    for i, ch in enumerate(text):
        kind = _kind(ch)
        if kind == _BLANKED:
            ch = " "
        elif kind == _REMOVED:
            pending_break = pending_break or bool(out)
            continue
        if pending_break and out[-1].islower() and ch.isupper():
            out.append(" ")
            offsets.append(i - 1)
        pending_break = False
        out.append(ch)
        offsets.append(i)
    return _fold_words("".join(out)), offsets


_KEPT, _BLANKED, _REMOVED = range(3)


@functools.cache
def _kind(ch: str) -> int:
    """What the reader sees of a character: itself, a blank, or nothing (kept per character: the
    loop above meets every character of every Persian name, and the regex tests cost more)."""
    if _BLANK.match(ch):
        return _BLANKED
    if not _WHITE.match(ch) and _IGNORABLE.match(ch):
        return _REMOVED
    return _KEPT


def _fold_words(text: str) -> str:
    """Every word that mixes Latin, Cyrillic or Greek letters (the scripts whose letters are drawn
    alike) written in one script."""
    if sum(script.search(text) is not None for script in _ALIKE) < 2:
        return text  # not two of those scripts in the whole text: no word can mix them
    return _LETTERS.sub(lambda m: _fold_mixed(m.group()), text)


def _fold_mixed(word: str) -> str:
    """A word mixing scripts, written in one: the first of Latin, then its other scripts by
    letter count, that every other letter of the word has a look-alike in ("ТАRЕСК" is Latin,
    "Пyтин" Cyrillic); failing that, its main script where look-alikes exist."""
    if word.isascii():
        return word
    letters = [(ch, categories.alias(ch)) for ch in word if ch.isalpha()]
    counts = collections.Counter(s for _, s in letters if s not in ("COMMON", "INHERITED"))
    if len(counts) < 2:
        return word
    ranked = sorted(counts, key=lambda s: (s != "LATIN", -counts[s], s))
    target = next(
        (s for s in ranked if all(a == s or _look_alike(ch, s) != ch for ch, a in letters)),
        max(ranked, key=lambda s: counts[s]),
    )
    return "".join(
        _look_alike(ch, target) if ch.isalpha() and categories.alias(ch) != target else ch for ch in word
    )


@functools.cache
def _look_alike(ch: str, script: str) -> str:
    """The character of ``script`` that Unicode's confusables table says ``ch`` looks like, an
    ASCII letter of the same case first (Greek "Ι" is "I", not "l"); ``ch`` itself when there is none."""
    table = confusables.confusables_data
    near = [g["c"] for g in table.get(ch, ())]  # the prototype (the table maps "Ι" and "I" to "l")
    group = {*near, *(g["c"] for proto in near for g in table.get(proto, ()))}  # all that look like it
    glyphs = sorted(g for g in group if len(g) == 1 and g.isalpha() and categories.alias(g) == script)
    return min(glyphs, key=lambda g: (not g.isascii(), g.isupper() != ch.isupper()), default=ch)
