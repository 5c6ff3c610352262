"""Hangul: the romanizations Korean names are written in, and Korean transcriptions of foreign names.

Written rules over the jamo of each syllable (Unicode composes a syllable as 19 initials x 21
vowels x 28 finals, so the jamo are arithmetic):
- Revised Romanization (2000) and McCune-Reischauer (apostrophes and breves dropped), syllable by
  syllable as names are romanized (no sound changes across syllables: 박정희 -> Park Chung-hee);
- the spellings names actually use beside them: eo as u ("jung", "sung", "hyun"), u as oo ("soo"),
  ui as ee ("hee"), yeong as young;
- the usual surname spellings (``SURNAMES``): 이 Lee/Yi/Rhee/Ri, 박 Park/Pak/Bak, 최 Choi/Choe...;
  a 2-4 syllable word starting with one is also read as surname + given name;
- a loanword reading, for foreign names written in Hangul (외래어 표기법 read backwards): the
  vowel ㅡ added after a bare consonant is dropped ("스미스" -> "smis", Smith), eo read o.
"""

from __future__ import annotations

from itertools import product

from service.engine.romanize.abjad import keys

_RR_INITIAL = "g kk n d tt r m b pp s ss - j jj ch k t p h".split()
_MR_INITIAL = "k kk n t tt r m p pp s ss - ch tch ch k t p h".split()
_RR_VOWEL = "a ae ya yae eo e yeo ye o wa wae oe yo u wo we wi yu eu ui i".split()
_MR_VOWEL = "a ae ya yae o e yo ye o wa wae oe yo u wo we wi yu u ui i".split()
_RR_FINAL = "- k k k n n n t l k m l l l p l m p p t t ng t t k t p t".split()
_LOAN_FINAL = "- k k k n n n d l k m l l l p l m p p s s ng j ch k t p h".split()
# How names write a vowel besides the standard schemes.
_NAME_VOWEL = {
    "eo": ("u", "o"),
    "u": ("oo",),
    "ui": ("ee",),
    "yeo": ("yu", "yo"),
    "eu": ("u",),
    "oe": ("oi",),
    "ae": ("ai",),
}

SURNAMES = {
    "김": "kim gim",
    "이": "lee yi rhee ri rhie",
    "리": "lee ri",
    "박": "park pak bak",
    "최": "choi choe",
    "정": "jung jeong chung cheong",
    "강": "kang gang",
    "조": "cho jo",
    "윤": "yoon yun",
    "장": "jang chang",
    "임": "lim im rim",
    "림": "lim rim",
    "한": "han",
    "오": "oh o",
    "서": "seo suh so",
    "신": "shin sin",
    "권": "kwon gwon",
    "황": "hwang",
    "안": "ahn an",
    "송": "song",
    "류": "ryu yoo yu",
    "유": "yoo yu",
    "전": "jeon jun chun",
    "홍": "hong",
    "고": "ko go koh",
    "문": "moon mun",
    "양": "yang",
    "손": "son sohn",
    "배": "bae pae",
    "백": "baek paik paek",
    "허": "heo huh hur",
    "남": "nam",
    "심": "shim sim",
    "노": "noh no roh",
    "하": "ha",
    "곽": "kwak gwak",
    "성": "sung seong",
    "차": "cha",
    "주": "joo ju chu",
    "우": "woo u",
    "구": "koo gu ku",
    "민": "min",
    "진": "jin chin",
    "나": "na ra",
    "지": "ji chi",
    "엄": "eom um",
    "채": "chae",
    "원": "won",
    "천": "cheon chun",
    "방": "bang pang",
    "공": "kong gong",
    "현": "hyun hyeon",
    "함": "ham",
    "변": "byun byeon",
    "염": "yeom yum",
    "여": "yeo yo",
    "추": "choo chu",
    "도": "do to",
    "소": "so",
    "석": "seok suk",
    "선": "sun seon",
    "설": "seol sul",
    "마": "ma",
    "길": "gil kil",
    "연": "yeon yun",
    "위": "wi wee",
    "표": "pyo",
    "명": "myung myeong",
    "기": "ki gi",
    "반": "ban pan",
    "왕": "wang",
    "금": "keum geum",
    "옥": "ok",
    "육": "yuk",
    "인": "in",
    "맹": "maeng",
    "제": "je",
    "모": "mo",
    "탁": "tak",
    "국": "kook guk",
    "어": "eo",
    "은": "eun",
    "편": "pyun pyeon",
    "용": "yong",
    "예": "ye",
    "경": "kyung gyeong",
    "봉": "bong",
    "사": "sa",
    "부": "boo bu",
    "황보": "hwangbo",
    "남궁": "namgung namkung",
    "선우": "sunwoo seonu",
    "제갈": "jegal",
    "독고": "dokgo",
}
_MAX = 24  # romanizations kept per word


def _jamo(ch: str) -> tuple[int, int, int] | None:
    code = ord(ch) - 0xAC00
    if not 0 <= code < 11172:
        return None
    return code // 588, (code % 588) // 28, code % 28


def _clean(s: str) -> str:
    return s.replace("-", "")


def _syllable_forms(ch: str) -> list[str]:
    """The spellings of one syllable in names: RR, MR, and the name conventions."""
    j = _jamo(ch)
    if j is None:
        return []
    i, v, f = j
    rr_v = _RR_VOWEL[v]
    initials = dict.fromkeys((_clean(_RR_INITIAL[i]), _clean(_MR_INITIAL[i])))
    vowels = dict.fromkeys((rr_v, _MR_VOWEL[v], *_NAME_VOWEL.get(rr_v, ())))
    final = _clean(_RR_FINAL[f])
    out = [a + b + final for a in initials for b in vowels]
    if rr_v == "yeo" and final == "ng":
        out.append(_clean(_RR_INITIAL[i]) + "young")
    if i == 9 and rr_v in ("i", "ya", "yeo", "yo", "yu", "ye"):  # 시, 샤, 셔, 쇼, 슈: shi, sha...
        out.append("sh" + rr_v.lstrip("y") + final)
    return list(dict.fromkeys(out))


def _loanword(word: str) -> list[str]:
    """The word read as a transcription of a foreign name: the vowel ㅡ after a bare consonant
    dropped (also before a final ㄹ: 블 bl; ㄹㄹ is one l), ㅓ read o (a final one "er": 피터
    Peter), s before y read sh (슈 shu), 쓰 and 츠 read tsu; then with l for r, f for p, v for b."""
    parts = []
    jamo = [j for j in (_jamo(ch) for ch in word) if j is not None]
    for k, (i, v, f) in enumerate(jamo):
        initial = _clean(_RR_INITIAL[i])
        vowel = {"eo": "o", "eu": "", "ae": "a"}.get(_RR_VOWEL[v], _RR_VOWEL[v])
        final = _clean(_LOAN_FINAL[f])
        if initial in ("ss", "ch") and _RR_VOWEL[v] == "eu" and not f:
            initial, vowel = "ts", "u"
        elif not vowel and (not initial or (f and final != "l")):
            vowel = "u"  # 으, or ㅡ before a final other than ㄹ: a real vowel
        elif _RR_VOWEL[v] == "eo" and not f and k == len(jamo) - 1 and k:
            vowel = "er"
        if initial == "r" and k and jamo[k - 1][2] == 8:  # ㄹ + ㄹ across syllables: one l (블레 ble)
            initial = ""
        if initial == "s" and vowel.startswith("y"):
            initial, vowel = "sh", vowel[1:]
        parts.append(initial + vowel + final)
    plain = "".join(parts)
    softer = plain.replace("r", "l").replace("p", "f").replace("b", "v")
    return list(dict.fromkeys((plain, plain.replace("r", "l"), softer)))


def _combos(syllables: list[list[str]]) -> list[str]:
    """Joined spellings, the first option of every syllable first, at most _MAX."""
    out = []
    for combo in product(*syllables):
        out.append("".join(combo))
        if len(out) >= _MAX:
            break
    return out


def romanize(word: str) -> list[str]:
    """Romanizations of a Hangul word: whole word, then "surname given" for a Korean full name.

    >>> romanize("정희")[:4]
    ['jeonghui', 'jeonghee', 'jonghui', 'jonghee']
    >>> [f for f in romanize("박정희") if " " in f][:2]
    ['park jeonghui', 'park jeonghee']
    >>> romanize("스미스")[-2:]
    ['smis', '~sms']
    """
    syllables = [_syllable_forms(ch) for ch in word]
    syllables = [s for s in syllables if s]
    if not syllables:
        return []
    loan = _loanword(word)
    out = _combos(syllables) + loan + (keys(loan) if len(syllables) > 1 else [])
    for n in (2, 1):
        if word[:n] in SURNAMES and 2 <= len(syllables) - n + 1 <= 3 and len(syllables) > n:
            given = _combos(syllables[n:])[: _MAX // 2]
            surnames = SURNAMES[word[:n]].split()
            out += [f"{s} {g}" for g in given[:6] for s in surnames[:1]]
            out += [f"{s} {given[0]}" for s in surnames[1:]]
            out += [f"{s} {g}" for g in given[6:] for s in surnames[:1]]
            break
    return list(dict.fromkeys(out))
