"""Chinese characters: how Chinese names and Chinese transcriptions of foreign names are romanized.

- pinyin (pypinyin, which reads characters in context), the given name's syllables joined as
  passports and Hanyu Pinyin write them ("泽东" -> "zedong");
- Wade-Giles (pypinyin's table), the Taiwanese spelling ("ze dong" -> "tsetung");
- the common surname spellings of Hong Kong, Taiwan and the diaspora (``SURNAMES``): "张" is
  Zhang, Chang or Cheung, "陈" Chen, Chan or Tan; a two- or three-character word starting with
  one is also read as surname + given name;
- foreign names written in characters (the Xinhua transcription tables) read back: the characters
  that stand for a bare consonant lose their vowel ("斯" s, "特" t, "克" k, "尔" r), and l stands
  for l or r, x for s ("弗朗西斯" fu-lang-xi-si -> "fransis", Francis).
"""

from __future__ import annotations

import os

# pypinyin's phrase dictionary (readings of characters inside words) costs 55 MB and 1.7 s per
# process and changes no name's reading in bench/script_eval.py: its documented switch leaves it out.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")

from pypinyin import Style, lazy_pinyin  # noqa: E402 (after the switch above)

from service.engine.romanize.abjad import keys

# Common surnames (simplified and traditional) -> romanizations in general use, pinyin first.
SURNAMES: dict[str, tuple[str, ...]] = {}
for _chars, _spellings in {
    "王": "wang wong",
    "李": "li lee",
    "张張": "zhang chang cheung",
    "刘劉": "liu lau lao",
    "陈陳": "chen chan tan",
    "杨楊": "yang yeung young",
    "黄黃": "huang wong hwang ng",
    "赵趙": "zhao chao chiu",
    "吴吳": "wu ng woo goh",
    "周": "zhou chou chow chau",
    "徐": "xu hsu tsui chui",
    "孙孫": "sun suen soon",
    "马馬": "ma mah",
    "朱": "zhu chu chue",
    "胡": "hu woo wu",
    "郭": "guo kuo kwok",
    "何": "he ho",
    "林": "lin lam lim",
    "高": "gao kao ko",
    "罗羅": "luo lo law",
    "郑鄭": "zheng cheng cheang",
    "梁": "liang leung",
    "谢謝": "xie hsieh tse",
    "宋": "song sung",
    "唐": "tang tong",
    "许許": "xu hsu hui koh",
    "邓鄧": "deng teng tang",
    "冯馮": "feng fung",
    "韩韓": "han hon",
    "曹": "cao tsao cho",
    "曾": "zeng tseng tsang",
    "彭": "peng pang",
    "萧蕭": "xiao hsiao siu",
    "蔡": "cai tsai choi",
    "潘": "pan poon",
    "田": "tian tien",
    "董": "dong tung",
    "袁": "yuan yuen",
    "于於": "yu yue",
    "余": "yu yee yue",
    "叶葉": "ye yeh yip",
    "蒋蔣": "jiang chiang",
    "杜": "du tu to",
    "苏蘇": "su so",
    "魏": "wei ngai",
    "程": "cheng ching",
    "吕呂": "lu lui lv",
    "丁": "ding ting",
    "沈": "shen shum sham",
    "任": "ren jen yam",
    "姚": "yao yiu",
    "卢盧": "lu lo lou",
    "傅": "fu foo",
    "钟鍾鐘": "zhong chung",
    "姜": "jiang chiang keung",
    "崔": "cui tsui choi",
    "谭譚": "tan tam tham",
    "廖": "liao liu",
    "范": "fan",
    "汪": "wang",
    "陆陸": "lu luk",
    "金": "jin kam chin",
    "石": "shi shek",
    "戴": "dai tai",
    "贾賈": "jia chia",
    "韦韋": "wei wai",
    "夏": "xia hsia ha",
    "邱": "qiu chiu yau",
    "方": "fang fong",
    "侯": "hou hau",
    "邹鄒": "zou tsou chau",
    "熊": "xiong hsiung hung",
    "孟": "meng mang",
    "秦": "qin chin chun",
    "白": "bai pai pak",
    "江": "jiang chiang kong",
    "阎閻": "yan yen",
    "薛": "xue hsueh sit",
    "尹": "yin wan",
    "段": "duan tuan",
    "雷": "lei lui",
    "黎": "li lai",
    "史": "shi shih sze",
    "龙龍": "long lung",
    "陶": "tao tou",
    "贺賀": "he ho",
    "顾顧": "gu ku koo",
    "毛": "mao",
    "郝": "hao",
    "龚龔": "gong kung",
    "邵": "shao shiu",
    "万萬": "wan man",
    "钱錢": "qian chien chin",
    "严嚴": "yan yim yen",
    "赖賴": "lai",
    "洪": "hong hung",
    "武": "wu mo",
    "莫": "mo mok",
    "孔": "kong kung hung",
    "温溫": "wen wan",
    "欧阳歐陽": "ouyang auyeung",
    "司马司馬": "sima szema",
    "诸葛諸葛": "zhuge chukot",
    "上官": "shangguan",
    "习習": "xi hsi",
    "温": "wen wan",
}.items():
    if len(_chars) > 2 and _chars[:2] in ("欧阳", "司马", "诸葛"):
        SURNAMES[_chars[:2]] = SURNAMES[_chars[2:]] = tuple(_spellings.split())
    else:
        for _c in _chars:
            SURNAMES[_c] = tuple(_spellings.split())

# Characters the Xinhua tables use for a consonant without a vowel, and the consonant.
_BARE = {
    "布": "b",
    "普": "p",
    "德": "d",
    "特": "t",
    "格": "g",
    "克": "k",
    "夫": "f",
    "弗": "f",
    "伏": "v",
    "兹": "z",
    "茲": "z",
    "茨": "ts",
    "斯": "s",
    "丝": "s",
    "絲": "s",
    "士": "s",
    "什": "sh",
    "赫": "h",
    "姆": "m",
    "恩": "n",
    "尔": "r",
    "爾": "r",
    "奇": "ch",
    "契": "ch",
    "吉": "g",
}
# Pinyin spellings read the way Latin transcriptions spell the sound.
_FOREIGN = (
    ("zh", "j"),
    ("x", "s"),
    ("q", "ch"),
    ("ang", "an"),
    ("ong", "on"),
    ("eng", "en"),
    ("ing", "in"),
    ("uo", "o"),
    ("wei", "vi"),
    ("wa", "va"),
    ("yi", "i"),
    ("ei", "e"),
    ("ou", "o"),
    ("lie", "le"),
    ("ai", "e"),
)
# Mandarin b, d, g are unaspirated p, t, k: transcriptions use them for English p, t, k too.
_VOICELESS = str.maketrans("bdg", "ptk")


def _pinyin(word: str, style: Style = Style.NORMAL) -> list[str]:
    return [
        s.replace("v", "u").replace("ü", "u").replace("'", "").replace("-", "")
        for s in lazy_pinyin(word, style=style, errors="ignore")
    ]


def _foreign(word: str, syllables: list[str], hard: bool = False) -> str:
    """The pinyin read as a transcription of a foreign name (bare consonants, Latin spellings).

    A bare-consonant character is read bare inside a word, and at its start before a consonant
    ("斯米" sm-); ``hard`` reads j and q as the g and k they transcribe in "-ski" (斯基), "Gi-".
    """
    out: list[str] = []
    for i, (ch, syl) in enumerate(zip(word, syllables, strict=False)):
        nxt = syllables[i + 1] if i + 1 < len(syllables) else ""
        if ch in _BARE and (out or (nxt and nxt[0] not in "aeiouyw")):
            out.append(_BARE[ch])
            continue
        if hard:
            syl = syl.replace("jia", "ga").replace("ji", "ki").replace("qi", "ki")
        for a, b in _FOREIGN:
            syl = syl.replace(a, b)
        out.append(syl)
    return "".join(out)


def romanize(word: str) -> list[str]:
    """Romanizations of a word of Chinese characters, joined, then as "surname given" pairs.

    >>> romanize("泽东")[:2]
    ['zedong', 'tsetung']
    >>> [f for f in romanize("张学友") if " " in f][:3]
    ['zhang xueyou', 'chang xueyou', 'cheung xueyou']
    >>> romanize("弗朗西斯")[2:]
    ['flansis', 'fransis', '~flns', '~frns']
    """
    py = _pinyin(word)
    if not py:
        return []
    wg = _pinyin(word, Style.WADEGILES)
    out = ["".join(py), "".join(wg)]
    for reading in (_foreign(word, py), _foreign(word, py, hard=True)):
        out += [reading, reading.replace("l", "r"), reading.replace("r", "l"), reading.translate(_VOICELESS)]
    out += keys(out[2:]) if len(word) > 1 else []
    for n in (2, 1):
        if word[:n] in SURNAMES and 2 <= len(word) <= n + 2:
            given, given_wg = "".join(py[n:]), "".join(wg[n:])
            out += [f"{s} {given}" for s in SURNAMES[word[:n]]]
            out += [f"{''.join(wg[:n])} {given_wg}", f"{SURNAMES[word[:n]][0]} {given_wg}"]
            break
    return list(dict.fromkeys(o for o in out if o.strip()))
