"""Document numbers written into a list's free text: "Passport no: a) 927234267 b) 108120258".

DFAT's "Additional Information" holds passports, national IDs, IMO numbers and Russian
registration / tax numbers in prose. Each label opens a window that ends at the next label (or
another kind of number: driving licence, social security...), at the end of the sentence, or after
``_WINDOW`` characters; the numbers in it belong to that label. A number has five digits or more
("OA462456", "96 03 464086", "B/014965"), or is an upper-case code with digits ("G52FYPRL");
dates and years are not numbers. Other engineers link records across lists by these numbers,
so a missed number costs less than a wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from service.engine.model import Document

_LABELS = (
    ("Passport", r"passport"),
    ("National ID", r"national\s+identi(?:ty|fication)(?:\s+card)?|identity\s+card|\bid\s+card"),
    ("IMO", r"\bIMO\b"),
    (
        "Registration Number",
        r"registration\s+(?:id|number|no)\b|company\s+identification\s+(?:no|number)"
        r"|\bOGRN\b",
    ),
    ("Tax ID", r"\btax\s+(?:id|identification|number)\b|\bINN\b"),
)
_LABEL = re.compile("|".join(f"(?P<g{i}>{rx})" for i, (_, rx) in enumerate(_LABELS)), re.IGNORECASE)
_OTHER_NUMBER = re.compile(
    r"driv[\w'’]*\s+licen[cs]e|social\s+security|birth\s+certificate|fiscal|military"
    r"|phone|\bfax\b|e-?mail|website|swift|\biban\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<!\bno)(?<!\bNo)(?<!\bNO)\.\s+(?=[A-Z])")
_WINDOW = 200
_NUMBER = re.compile(
    r"(?<![\w/-])(?<![A-Z]\.)"  # not the tail of a word or of "QE.L.118.05"
    r"(?:(?:[A-Z]{1,3}(?:-[A-Z])?|\d{2,3}) )*"  # "OR 1961825", "96 03 464086", "TR-P 614"
    r"[A-Z]{0,4}[-/]?\d[A-Z0-9/.-]*(?<![./-])(?!\w)"
)
_DATE = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2} (?:19|20)\d\d")  # "issued August 13 1995"
_CODE = re.compile(r"[A-Z0-9]{6,}")


def _is_number(candidate: str) -> bool:
    compact = re.sub(r"[\s/.-]", "", candidate)
    digits = sum(ch.isdigit() for ch in compact)
    if _DATE.fullmatch(candidate):
        return False
    return digits >= 5 or (digits >= 2 and _CODE.fullmatch(compact) is not None and not compact.isdigit())


def documents(texts: Iterable[str]) -> list[Document]:
    """Every labelled number in ``texts``, in the order written, once per type and number however
    spaced ("OR1961825" and "OR 1961825" are one passport)."""
    out: dict[tuple[str, str], Document] = {}
    for text in texts:
        labels = list(_LABEL.finditer(text))
        for i, label in enumerate(labels):
            kind = _LABELS[int(next(k for k, v in label.groupdict().items() if v)[1:])][0]
            end = min(label.end() + _WINDOW, labels[i + 1].start() if i + 1 < len(labels) else len(text))
            window = text[label.end() : end]
            for stop in (_OTHER_NUMBER.search(window), _SENTENCE_END.search(window)):
                if stop:
                    window = window[: stop.start()]
            for m in _NUMBER.finditer(window):
                if _is_number(m.group(0)):
                    out.setdefault((kind, re.sub(r"[^A-Z0-9]", "", m.group(0))), Document(kind, m.group(0)))
    return list(out.values())
