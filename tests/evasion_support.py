"""Hypothesis strategies that disguise a name the way an evader would, keeping what a reader sees.

- ``INVISIBLE``: characters that render as nothing (zero-width space and joiners, word joiner,
  soft hyphen, BOM, bidi marks, embeddings and isolates, variation selectors, a tag character,
  the Mongolian vowel separator, invisible operators), inserted anywhere except between a
  lower-case and an upper-case letter (a word break to a reader, so read as one by design).
- ``BLANKS``: characters that render as a blank (Hangul fillers, braille blank, no-break,
  ideographic and other Unicode spaces), put next to a space or in its place.
- ``LOOK_ALIKES``: Latin letters swapped for the Cyrillic or Greek letter drawn the same, in
  fewer than half of a word's letters (the word stays a Latin word with foreign letters).
"""

from __future__ import annotations

from hypothesis import strategies as st

INVISIBLE = (
    "\u200b\u200c\u200d\u2060\u00ad\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
    "\u2068\u2069\ufe0f\ufe00\U000e0041\u180e\u2061\u2062\u2063\u034f\u061c\u17b4"
)
BLANKS = "\u3164\uffa0\u115f\u1160\u2800\u00a0\u2003\u3000\u2009\u202f"
LOOK_ALIKES = {
    "a": "\u0430",
    "c": "\u0441",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "x": "\u0445",
    "y": "\u0443",
    "i": "\u0456",
    "j": "\u0458",
    "s": "\u0455",
    "A": "\u0410",
    "B": "\u0412",
    "C": "\u0421",
    "E": "\u0415",
    "H": "\u041d",
    "K": "\u041a",
    "M": "\u041c",
    "O": "\u041e",
    "P": "\u0420",
    "T": "\u0422",
    "X": "\u0425",
    "N": "\u039d",
    "Z": "\u0396",
    "I": "\u0399",
}


@st.composite
def disguised(draw: st.DrawFn, name: str) -> str:
    """``name`` with invisible characters, blanks and look-alike letters put in."""
    chars = list(name)
    # Look-alikes: per word, fewer than half its letters.
    start = 0
    for word in name.split(" "):
        letters = [start + k for k, ch in enumerate(word) if ch in LOOK_ALIKES]
        if letters and sum(ch.isalpha() for ch in word) >= 3:
            budget = (sum(ch.isalpha() for ch in word) - 1) // 2
            for pos in draw(st.lists(st.sampled_from(letters), max_size=budget, unique=True)):
                chars[pos] = LOOK_ALIKES[chars[pos]]
        start += len(word) + 1
    # Blanks at or next to a space.
    spaces = [i for i, ch in enumerate(chars) if ch == " "]
    if spaces:
        for pos in draw(st.lists(st.sampled_from(spaces), max_size=3, unique=True)):
            blank = draw(st.sampled_from(BLANKS))
            chars[pos] = draw(st.sampled_from([blank, blank + " ", " " + blank]))
    # Invisible characters anywhere but at a lower-to-upper boundary.
    text = "".join(chars)
    slots = [
        i
        for i in range(len(text) + 1)
        if not (0 < i < len(text) and text[i - 1].islower() and text[i].isupper())
    ]
    inserts = draw(
        st.lists(
            st.tuples(st.sampled_from(slots), st.text(st.sampled_from(INVISIBLE), min_size=1, max_size=3)),
            max_size=6,
        )
    )
    for pos, invisible in sorted(inserts, reverse=True):
        text = text[:pos] + invisible + text[pos:]
    return text


def issue_examples() -> list[tuple[str, str]]:
    """The disguises of issue 23 as (clean name, disguise): each alerts with a normal space."""
    out = []
    for name in ("Tareck El Aissami", "Faouzi Kanaan", "Ghazi Nasreddin"):
        for sep in ("\u3164", "\uffa0", "\u115f", "\u200b", "\u2060"):
            out.append((name, name.replace(" ", sep)))
    out += [
        ("Tareck El Aissami", "T\u0430reck El Aissami"),
        ("Faouzi Kanaan", "Fa\u043euzi K\u0430naan"),
        ("Tareck El-Aissami", "Tar\u200beck El\u2060-Aissami"),
    ]
    return out
