"""Names to comparable tokens: script, case, punctuation, titles, particles, legal forms.

The pipeline, each step a function with examples:

>>> fold("KAN'AN, Fawzi")
'kanan, fawzi'
>>> fold("Андроник Ефремов")
'andronik efremov'
>>> name_variants("EL AISSAMI MADDAH, Tareck Zaidan")[0]
['tareck', 'zaidan', 'aissami', 'maddah']
>>> name_variants("Ghazi Nasr al-Din")[-1]
['ghazi', 'nasrdin']
>>> skeleton("muhammad"), skeleton("mohamed"), skeleton("hezbollah"), skeleton("hizballah")
('mahamad', 'mahamad', 'hasbala', 'hasbala')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from functools import lru_cache

from anyascii import anyascii

from service.engine.name_parts import LEGAL_CANON, LEGAL_FORMS, LEGAL_PHRASES, PARTICLES, STOPWORDS, TITLES
from service.engine.unmask import unmask

# Apostrophes, ʿayn and hamza signs are dropped inside words: "Kan'an" -> "kanan".
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bb\u02bc\u02bd\u02be\u02bf\u00b4\u2032]")
# Syllabic scripts whose transliteration runs syllables together: give each its own token.
_SYLLABIC = re.compile(r"([\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff])")
# "S.A." / "L.L.C." / "J.S.C." -> "sa" / "llc" / "jsc": dots between single letters join them.
_INITIALISM = re.compile(r"\b(?:[a-z]\.){1,}[a-z]\b\.?")
_SEPARATORS = re.compile(r"[^a-z0-9\-\s]+")
_SPACES = re.compile(r"\s+")

MAX_NAME_CHARS = 512  # a name longer than this is refused by the API and the batch reader

# Any script to ASCII. anyascii measured best of anyascii, unidecode and ICU's Any-Latin on the
# evaluation data (bench/translit_compare.py); the benchmark swaps this to compare them.
transliterate = anyascii


def fold(text: str) -> str:
    """Unmasked (blank and invisible characters, look-alike letters: ``unmask``), NFKC, any script
    transliterated to lower-case ASCII.

    >>> fold("Özgün ERDOĞAN"), fold("T\u0430reck\u3164El\u2060Aissami")
    ('ozgun erdogan', 'tareck el aissami')
    """
    text = unicodedata.normalize("NFKC", unmask(text[: MAX_NAME_CHARS * 4]))
    text = _APOSTROPHES.sub("", text)
    if not text.isascii():
        text = _SYLLABIC.sub(r" \1 ", text)
        text = transliterate(text)
        text = _APOSTROPHES.sub("", text)
    return text.casefold()[:MAX_NAME_CHARS]


def tokenize(folded: str) -> list[str]:
    """Split a folded name into tokens; hyphens are kept inside tokens for ``name_variants``.

    >>> tokenize("cecoex, s.a.")
    ['cecoex', 'sa']
    >>> tokenize("el-aissami maddah")
    ['el-aissami', 'maddah']
    """
    text = _INITIALISM.sub(lambda m: m.group(0).replace(".", ""), folded)
    text = _SEPARATORS.sub(" ", text)
    return [t.strip("-") for t in _SPACES.split(text) if t.strip("-")]


def _drop_titles(tokens: list[str]) -> list[str]:
    """Leading titles go ("Dr", "Hajj", "Col"); a name made only of titles keeps them."""
    i = 0
    while i < len(tokens) - 1 and tokens[i] in TITLES:
        i += 1
    return tokens[i:]


_LEGAL_WORDS = frozenset(LEGAL_FORMS) | frozenset(w for phrase in LEGAL_PHRASES for w in phrase)


def _canonical_legal_forms(tokens: list[str]) -> list[str]:
    """Multi-word and abbreviated legal forms to one canonical token ("S.A. de C.V." -> "sa")."""
    if _LEGAL_WORDS.isdisjoint(tokens):  # most names: no word of any legal form
        return list(tokens)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in (4, 3, 2):
            phrase = tuple(tokens[i : i + size])
            if len(phrase) == size and phrase in LEGAL_PHRASES:
                out.append(LEGAL_PHRASES[phrase])
                i += size
                break
        else:
            out.append(LEGAL_FORMS.get(tokens[i], tokens[i]))
            i += 1
    return out


def _compounds(tokens: list[str]) -> list[str]:
    """Join Arabic compounds the way other romanizations write them as one word.

    "nasr al din" -> "nasrdin" (≈ "nasreddin"), "abd al rahman" -> "abdrahman" (≈ "abdelrahman"),
    "abu bakr" -> "abubakr"; a leading article glued to a word is split off ("alhakim" -> "hakim").
    """
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in ("abd", "abdul", "abdel", "abdal", "abu", "abou", "bin", "ibn") and i + 1 < len(tokens):
            j = i + 1
            if tokens[j] in PARTICLES and j + 1 < len(tokens):
                j += 1
            out.append(("abd" if t.startswith("abd") else t) + tokens[j])
            i = j + 1
        elif (
            i + 2 < len(tokens)
            and tokens[i + 1] in ("al", "el", "ul", "ad", "ed", "ud", "ud")
            and tokens[i + 2] in ("din", "deen", "dine", "allah", "lah", "llah", "rahman")
        ):
            out.append(t + tokens[i + 2])
            i += 3
        elif len(t) > 5 and t[:2] in ("al", "el") and t[2] not in "aeiou":
            out.append(t[2:])
            i += 1
        else:
            out.append(t)
            i += 1
    return out


def _syllables(tokens: list[str]) -> list[str]:
    """Join a two-letter syllable to the word before it: "Lin Na" -> "linna", "Jong Un" -> "jongun".

    Lone letters are initials ("T. Z. El Aissami"), not syllables: they stay apart.

    East Asian given names are written as one word, two words or hyphenated.
    """
    out: list[str] = []
    for t in tokens:
        if out and len(t) == 2 and t.isalpha() and 2 <= len(out[-1]) <= 5 and t not in PARTICLES:
            out[-1] += t
        else:
            out.append(t)
    return out


def _content(tokens: list[str]) -> list[str]:
    """Particles and connecting words go; a name made only of them keeps them."""
    kept = [t for t in tokens if t not in PARTICLES and t not in STOPWORDS]
    return kept or tokens


def _reading_order(folded: str) -> str:
    """ "last, first" -> "first last", so that a title among the given names leads and is dropped
    ("IBRAHIM, Haji" -> "haji ibrahim"). Token order is otherwise irrelevant to scoring.

    >>> _reading_order("kanan, fawzi mustafa"), _reading_order("cecoex, s.a.")
    ('fawzi mustafa kanan', 'cecoex, s.a.')
    """
    last, comma, first = folded.partition(",")
    if not comma or "," in first or all(t in LEGAL_FORMS for t in tokenize(first)):
        return folded  # not "LAST, First": no comma, several, or "ACME, S.A."
    return f"{first.strip()} {last.strip()}"


def name_variants(name: str) -> list[list[str]]:
    """The token lists a name is scored as: split at hyphens, joined at hyphens, compounds joined.

    Titles and particles are removed, legal forms canonicalized. Duplicates are dropped, the
    first variant is the plain split form.

    >>> name_variants("Dr. Abdel-Rahman AL-HAKIM")
    [['abdel', 'rahman', 'hakim'], ['abdelrahman', 'alhakim'], ['abdrahman', 'hakim']]
    """
    raw = tokenize(_reading_order(fold(name)))
    split = [p for t in raw for p in t.split("-") if p]
    joined = [t.replace("-", "") for t in raw]
    variants: list[list[str]] = []
    for tokens in (split, joined, _compounds(split), _syllables(split)):
        tokens = _content(_canonical_legal_forms(_drop_titles(tokens)))
        if tokens and tokens not in variants:
            variants.append(tokens)
    return variants


# Short words and their skeletons collide by chance: a join that rests on the skeleton alone needs
# a joined word of at least JOIN_KEY_CHARS letters, and a split parts of at least SPLIT_PART_CHARS
# (three-letter parts split a third of ordinary names: "Car Mona", "Sus Anne").
_JOIN_KEY_CHARS = 8
_SPLIT_MIN_CHARS = 8  # shorter unknown words are not split
_SPLIT_PART_CHARS = 4


def resegment(tokens: list[str], vocabulary: Container[str], skeletons: Container[str]) -> list[str] | None:
    """The tokens re-cut where a list cuts the same name differently, or None when nothing changes.

    Romanizations write compound names as one word or several ("Malekouti Pour" / "Malakotipour",
    "Bun Hieng" / "Bunheung", "Aero Continente" / "Aerocontinente"). Two adjacent tokens are
    joined when the joined word is a listed token (``vocabulary``) or has the skeleton of one
    (``skeletons``); a long token that is not listed is split in two parts of four letters or more
    when both are listed, or one of them and the other's skeleton is.

    >>> vocab, skels = {"mohammadbagher", "bun", "pour", "malekouti"}, {skeleton("malekouti"), "ban", "har"}
    >>> resegment(["mohammad", "bagher", "zolghadr"], vocab, skels)
    ['mohammadbagher', 'zolghadr']
    >>> resegment(["hamidreza", "malakotipour"], vocab, skels)
    ['hamidreza', 'malakoti', 'pour']
    >>> resegment(["ali", "hassan"], vocab, skels) is None
    True
    """
    out: list[str] = []
    i, found = 0, False
    while i < len(tokens):
        t = tokens[i]
        if i + 1 < len(tokens) and _joins(t + tokens[i + 1], vocabulary, skeletons):
            out.append(t + tokens[i + 1])
            i, found = i + 2, True
            continue
        parts = _split(t, vocabulary, skeletons)
        out.extend(parts)
        found |= len(parts) > 1
        i += 1
    return out if found else None


def _joins(joined: str, vocabulary: Container[str], skeletons: Container[str]) -> bool:
    if joined in vocabulary:
        return True
    return len(joined) >= _JOIN_KEY_CHARS and skeleton(joined) in skeletons


def _split(token: str, vocabulary: Container[str], skeletons: Container[str]) -> list[str]:
    """``token`` cut in two listed parts (the most even cut with the most parts spelled as listed),
    or ``[token]``."""
    if len(token) < _SPLIT_MIN_CHARS or token in vocabulary or not token.isalpha():
        return [token]
    best, best_key = [token], (0, 0)
    for cut in range(_SPLIT_PART_CHARS, len(token) - _SPLIT_PART_CHARS + 1):
        parts = (token[:cut], token[cut:])
        exact = sum(p in vocabulary for p in parts)
        if not exact:
            continue
        if exact == 1:  # the other part listed in another spelling
            other = parts[1] if parts[0] in vocabulary else parts[0]
            key = skeleton(other)
            if len(key) < 3 or key not in skeletons:
                continue
        rank = (exact, min(map(len, parts)))
        if rank > best_key:
            best, best_key = list(parts), rank
    return best


def feminine_pair(a: str, b: str) -> bool:
    """Whether one word is the other with a final "a" after a consonant: a name and its feminine
    form ("Daniel" / "Daniela", Russian "Melnikov" / "Melnikova"), which name different people.

    >>> feminine_pair("melnikova", "melnikov"), feminine_pair("daniel", "daniela")
    (True, True)
    >>> feminine_pair("maria", "mari"), feminine_pair("musa", "mus"), feminine_pair("aleksandra", "aleksandr")
    (False, False, True)
    """
    if len(a) < len(b):
        a, b = b, a
    return len(b) >= 4 and a == b + "a" and b[-1] not in "aeiouyhw"


_PARENTHESIS = re.compile(r"\(([^()]*)\)")
_TRAILING_PARENTHESIS = re.compile(r"\(([^()]+)\)\s*$")


def parenthesis_forms(name: str, trailing_alias: bool) -> list[str]:
    """The other names a listed name with a parenthesis stands for: the name without it, and,
    for organisations (``trailing_alias``), a trailing parenthesis as a name of its own.

    >>> parenthesis_forms("ARMAMENT INDUSTRIES GROUP (AIG)", True)
    ['ARMAMENT INDUSTRIES GROUP', 'AIG']
    >>> parenthesis_forms("SANTOS, Ahmad (Ahmed)", False)
    ['SANTOS, Ahmad']
    """
    if "(" not in name:
        return []
    forms = []
    stripped = " ".join(_PARENTHESIS.sub(" ", name).split()).replace(" ,", ",")
    if stripped and stripped != name:
        forms.append(stripped)
    if trailing_alias and (m := _TRAILING_PARENTHESIS.search(name)) and m.group(1).strip():
        forms.append(m.group(1).strip())
    return forms


def acronyms(name: str) -> list[str]:
    """Initialisms an organisation is also known by: of its content words, and of all its words.

    >>> acronyms("EASTERN TURKISTAN ISLAMIC MOVEMENT")
    ['etim']
    >>> acronyms("Forces Democratiques de Liberation du Rwanda, S.A.")
    ['fdlr', 'fddldr']
    """
    words = [p for t in tokenize(fold(name)) for p in t.split("-") if p]
    content = [t for t in _canonical_legal_forms(words) if t not in LEGAL_CANON]
    out = []
    for tokens in (_content(content), content):
        if len(tokens) >= 4:
            initials = "".join(t[0] for t in tokens)
            if initials not in out:
                out.append(initials)
    return out


# Spelling rules for the common romanizations of Arabic, Persian, Russian and Turkic names.
# Applied in order to a folded token; vowels are dropped afterwards (except a leading one).
_SKELETON_RULES = [
    (re.compile(r"(?<=[aeiou])[wy](?![aeiou])"), ""),  # Fawzi -> Fazi, Sayf -> Saf (glides after vowels)
    (re.compile(r"(?<=[aeiou])[wy]$"), ""),
    (re.compile(r"(?<=[aeiou])h$"), ""),  # Fatimah -> Fatima, Hizballah -> Hizballa
    (re.compile(r"ph"), "f"),
    (re.compile(r"(?:dzh|dj|zh|j)"), "j"),
    (re.compile(r"(?:tch|sch|sh|ch)"), "x"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"gh"), "k"),  # Persian qaf: Ghasem = Qasem, Ghavamin = Qavamin
    (re.compile(r"th"), "t"),
    (re.compile(r"dh"), "d"),
    (re.compile(r"c(?=[eiy])"), "s"),  # soft c: Calcimin -> Kalsimin
    (re.compile(r"ck|q|c|k"), "k"),
    (re.compile(r"ts|tz"), "s"),
    (re.compile(r"z"), "s"),
    (re.compile(r"w|v"), "v"),
    (re.compile(r"y"), "i"),
]
_VOWELS = re.compile(r"[aeiou]+")
_DOUBLES = re.compile(r"(.)\1+")


@lru_cache(maxsize=1 << 16)  # tokens repeat: a query's, and the abjad guesses' consonant keys
def skeleton(token: str) -> str:
    """A transliteration key: spellings of one name in different romanizations collide.

    Consonants are mapped to a class, every run of vowels becomes one "a" (the vowel is
    uncertain, its presence is not), doubled letters collapse.

    >>> [skeleton(t) for t in ("fawzi", "fauzi", "faouzi", "kanaan", "canaan", "kanan")]
    ['fasa', 'fasa', 'fasa', 'kanan', 'kanan', 'kanan']
    """
    s = token
    for pattern, repl in _SKELETON_RULES:
        s = pattern.sub(repl, s)
    return _DOUBLES.sub(r"\1", _VOWELS.sub("a", s)) or token


# Arabic-script names, read the way their romanizations are: as consonants. Short vowels are not
# written, and alif, waw and ya are as often vowels (a, u/o, i/e) as consonants, so all three are
# dropped, as are ʿayn, hamza and ta marbuta; every other letter goes to its skeleton class.
CONSONANT_MARK = "~"  # prefixes a consonant key; tokenize() never yields it
_ARABIC_WORD = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]+")
_ARABIC_MARKS = re.compile(r"[\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_CONSONANTS = str.maketrans(
    {
        **dict.fromkeys(
            "\u0627\u0623\u0625\u0622\u0671\u0648\u0624\u064a\u0649\u0626\u06cc\u0639\u0621\u0629", ""
        ),
        "\u0628": "b",
        "\u067e": "p",
        "\u062a": "t",
        "\u062b": "t",
        "\u062c": "j",
        "\u0686": "x",
        "\u062d": "h",
        "\u062e": "h",
        "\u062f": "d",
        "\u0630": "t",
        "\u0631": "r",
        "\u0632": "s",
        "\u0698": "j",
        "\u0633": "s",
        "\u0634": "x",
        "\u0635": "s",
        "\u0636": "d",
        "\u0637": "t",
        "\u0638": "s",
        "\u063a": "g",
        "\u0641": "f",
        "\u0642": "k",
        "\u0643": "k",
        "\u06a9": "k",
        "\u06af": "g",
        "\u0644": "l",
        "\u0645": "m",
        "\u0646": "n",
        "\u0647": "h",
        "\u06c1": "h",
    }
)
_JOINS_NEXT = ("\u0639\u0628\u062f", "\u0627\u0628\u0648", "\u0623\u0628\u0648")  # عبد, ابو, أبو


def consonant_key(token: str) -> str:
    """The consonants of a folded token, in skeleton classes, for comparison with Arabic script.

    >>> consonant_key("saddam"), consonant_key("hussein"), consonant_key("huwaysh")
    ('sdm', 'hsn', 'hx')
    """
    return _DOUBLES.sub(r"\1", skeleton(token).replace("a", "").replace("v", "")) or token


def arabic_consonant_keys(name: str) -> list[str]:
    """Consonant keys of the Arabic-script words of a name ([] when it has none).

    The article is dropped ("التكريتي" -> "tkrt"), "عبد"/"أبو" join the next word as in
    "Abdallah", and each key carries CONSONANT_MARK.

    >>> arabic_consonant_keys("صدام حسين التكريتي")
    ['~sdm', '~hsn', '~tkrt']
    """
    words = _ARABIC_WORD.findall(_ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", unmask(name))))
    keys: list[str] = []
    joined = ""
    for word in words:
        if word.startswith("\u0627\u0644") and len(word) > 3:
            word = word[2:]
        key = _DOUBLES.sub(r"\1", word.translate(_ARABIC_CONSONANTS))
        if word in _JOINS_NEXT:
            joined += key
            continue
        key = _DOUBLES.sub(r"\1", joined + key)
        joined = ""
        if key:
            keys.append(CONSONANT_MARK + key)
    if joined:
        keys.append(CONSONANT_MARK + joined)
    return keys


def name_problem(name: str, max_chars: int = MAX_NAME_CHARS) -> str | None:
    """Why ``name`` cannot be screened, or None: the one rule of the API (a 400) and the batch
    reader (a reject). Digits alone are a name ("12345", the listed vessel "7-28"); punctuation
    alone ("!!!", "--") has nothing a list could match."""
    if not name.strip():
        return "is empty"
    if len(name) > max_chars:
        return f"is longer than {max_chars} characters"
    if not any(ch.isalnum() for ch in name):
        return "has no letters or digits"
    return None
