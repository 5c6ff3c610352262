"""Per-script romanization: each script's rules with examples, and cross-script screening."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.engine import romanize
from service.engine.model import Entity, ListVersion, LoadedList
from service.engine.romanize import abjad, alternative_rows, arabic, cyrillic, han, hangul, hebrew, kana
from service.engine.screener import Query, Screener


@pytest.mark.parametrize("module", [romanize, abjad, arabic, cyrillic, han, hangul, hebrew, kana])
def test_docstring_examples(module) -> None:
    assert doctest.testmod(module).failed == 0


def test_chinese_pinyin_joined_wade_giles_and_surname_spellings() -> None:
    forms = han.romanize("毛泽东")
    assert "maozedong" in forms and "mao zedong" in forms
    assert "tsetung" in han.romanize("泽东")
    assert {"zhang xueyou", "chang xueyou", "cheung xueyou"} <= set(han.romanize("张学友"))
    assert {"chen shuibian", "chan shuibian", "chen shuipien"} & set(han.romanize("陳水扁"))


def test_chinese_transcription_of_a_foreign_name_reads_bare_consonants() -> None:
    assert "fransis" in han.romanize("弗朗西斯")  # Francis
    assert "klen" in han.romanize("克莱恩")  # Klein: 克 a bare k, 恩 a bare n
    assert "paolista" in han.romanize("保利斯塔")  # Paulista: Mandarin b is an unaspirated p


def test_korean_rr_mr_surnames_and_loanwords() -> None:
    forms = hangul.romanize("박정희")
    assert "park jeonghui" in forms and "park junghee" in forms and "pak jeonghui" not in forms[:1]
    assert {"lee sunsin", "yi sunsin", "rhee sunsin"} <= set(hangul.romanize("이순신"))
    assert "choi jiwoo" in hangul.romanize("최지우") or "choi jiu" in hangul.romanize("최지우")
    assert "smis" in hangul.romanize("스미스")  # Smith: the vowel ㅡ added after s is dropped
    assert "jon" in hangul.romanize("존")


def test_hebrew_vowel_letters_geresh_and_consonant_keys() -> None:
    assert hebrew.romanize("אנטוניו")[0] == "antonio"
    assert hebrew.romanize("ג'ים")[0] == "jim"
    assert "~knr" in hebrew.romanize("קנוורי")  # Canevari: its consonants
    assert "dvid" in hebrew.romanize("דויד")  # waw as v: David


def test_arabic_guesses_are_marked_and_keys_follow() -> None:
    forms = arabic.romanize("بوتلر")
    assert forms[0].startswith(abjad.CLOSE_MARK) and "~btlr" in forms
    assert abjad.CLOSE_MARK + "ali" in arabic.romanize("علي")
    assert abjad.CLOSE_MARK + "li" not in arabic.romanize("علي")  # a leading ʿayn is a vowel


def test_cyrillic_schemes() -> None:
    assert {"khrushchev", "khrushchyov"} <= set(cyrillic.romanize("Хрущёв"))
    assert "muller" in cyrillic.romanize("Мюллер")  # GOST 7.79 ü
    assert "olatunji" in cyrillic.romanize("Олатунджи")  # дж as j
    assert "iurii" in cyrillic.romanize("Юрий")  # passport (ICAO)


def test_japanese_hepburn() -> None:
    assert kana.romanize("たなか") == ["tanaka"]
    assert "kosaburo" in kana.romanize("こうさぶろう")


def test_latin_names_have_no_alternatives() -> None:
    assert alternative_rows("Tareck El-Aissami") == []
    assert romanize.words("José Faur") == []


def test_a_korean_full_name_gives_a_surname_given_row() -> None:
    rows = alternative_rows("김소희")
    assert any(len(r) == 2 and "kim" in r[0].split("|") for r in rows)


def _one_list(names: list[str]) -> LoadedList:
    ents = [Entity(id=str(i), list_id="t", schema="Person", name=n) for i, n in enumerate(names)]
    return LoadedList(ListVersion("t", "custom", None, "", len(ents), len(ents), ""), ents)


NAMES = [
    "Park Chung-hee",
    "Kim So-hui",
    "Mao Zedong",
    "Cheung Hok-yau",
    "Antonio Canevari",
    "Matthew Ross",
    "Nikita Khrushchev",
    "Kevin Smith",
    "Francis Bacon",
    "Tanaka Kakuei",
    "Hen Ezra",
    "Leblain Morjane",
    "John Howard",
    "Wang Wei",
    "Lee Sun-sin",
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("박정희", "Park Chung-hee"),
        ("김소희", "Kim So-hui"),
        ("존 하워드", "John Howard"),
        ("毛泽东", "Mao Zedong"),
        ("张学友", "Cheung Hok-yau"),
        ("אנטוניו קנוורי", "Antonio Canevari"),
        ("מת'יו רוס", "Matthew Ross"),
        ("Никита Хрущёв", "Nikita Khrushchev"),
        ("たなか かくえい", "Tanaka Kakuei"),
        ("이순신", "Lee Sun-sin"),
    ],
)
def test_a_name_in_another_script_finds_its_latin_listing(query: str, expected: str) -> None:
    screener = Screener.from_lists([_one_list(NAMES)])
    matches = screener.screen([Query(query)], limit=3, threshold=0.0)[0].matches
    assert matches and matches[0].name == expected, [(m.name, m.score) for m in matches]


def test_enable_rejects_an_unknown_romanizer() -> None:
    with pytest.raises(ValueError, match="unknown romanizers"):
        romanize.enable({"klingon"})


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Kim Jeong-eun", "김정은"),
        ("Mao Zedong", "毛泽东"),
        ("Tanaka", "たなか"),
    ],
)
def test_a_latin_query_finds_a_name_listed_in_another_script(query: str, listed: str) -> None:
    screener = Screener.from_lists([_one_list([listed, "Kim Dae-jung", "Zhou Enlai", "Takahashi"])])
    matches = screener.screen([Query(query)], limit=3, threshold=0.0)[0].matches
    found = [(m.name, m.score) for m in matches]
    assert matches and matches[0].name == listed and matches[0].score > 0, found


def test_hebrew_and_arabic_listed_names_get_no_guessed_variants() -> None:
    assert romanize.listed_variants("محمد") == []
    assert romanize.listed_variants("דוד") == []


# Letters of every romanized script, with the marks and separators names carry.
_SCRIPT_CHARS = st.sampled_from(
    "김박이정희스미스ㄱㅏ존하워드毛泽东张學友弗朗西斯たなかミツテルーאנטוניו'ג'ויוו"
    "عبدالرحمنهدايتاللهـًٌٍَُِّىةءأإآХрущёвЪьЙ -·."
)


@given(st.text(alphabet=_SCRIPT_CHARS, max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_mix_of_scripts_romanizes_to_clean_alternatives(name: str) -> None:
    for row in alternative_rows(name):
        for token in row:
            for alt in token.split(romanize.ALT_SEP):
                core = alt.lstrip(abjad.CLOSE_MARK + "~")
                assert core and core.isascii() and core.isalnum(), (name, token)


@given(st.lists(st.text(alphabet=_SCRIPT_CHARS, max_size=30), min_size=1, max_size=4))
@settings(max_examples=40, deadline=None)
def test_screening_names_in_any_script_never_raises(names: list[str]) -> None:
    screener = _fuzz_screener()
    for result in screener.screen([Query(n) for n in names if n.strip()], threshold=0.0):
        assert all(0.0 <= m.score <= 1.0 for m in result.matches)


def _fuzz_screener() -> Screener:
    global _FUZZ
    if _FUZZ is None:
        _FUZZ = Screener.from_lists([_one_list(NAMES + ["김정은", "毛泽东", "Иван Петров"])])
    return _FUZZ


_FUZZ: Screener | None = None


def test_the_explanation_shows_the_romanizations_unmarked() -> None:
    assert romanize.shown("=sdam|=sadam|~sdm") == "sdam|sadam|~sdm"
    screener = Screener.from_lists([_one_list(["Matthew Ross", "Kevin Smith"])])
    match = screener.screen([Query("מת'יו רוס")], threshold=0.0)[0].matches[0]
    assert match.name == "Matthew Ross"
    shown = [t["query"] for t in match.explanation["tokens"]]
    assert any("|" in s for s in shown) and not any("=" in s for s in shown), shown
