"""Helpers every list parser shares: bounded reads, the version record, name counting."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from service.engine.model import GIVEN, SURNAME, Entity, ListVersion, LoadedList, RowProblem
from service.lists.errors import ListError
from service.paths import now_iso

# A generational suffix after the comma: "LAVILLA, JR" is no "LAST, First".
_SUFFIX = re.compile(r"(?:jr|sr|i{2,3}|iv)\b", re.IGNORECASE)

# Official lists are a few MB; anything far bigger is a wrong file or an attack, not a list.
MAX_FILE_BYTES = 256 * 1024 * 1024


def read_bytes(path: Path, what: str) -> bytes:
    """The file's bytes, or a ListError saying why there are none worth parsing."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ListError(f"{path}: {size} bytes is larger than the {MAX_FILE_BYTES}-byte limit for {what}")
        data = path.read_bytes()
    except ListError:
        raise
    except IsADirectoryError:
        raise ListError(f"{path}: is a folder, expected the {what} file") from None
    except OSError as exc:
        raise ListError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if not data.strip(b" \t\r\n\x00\x1a"):  # whitespace, NULs, and OFAC's Ctrl-Z end-of-file byte
        raise ListError(f"{path}: {what} is empty")
    return data


def build_list(
    list_id: str,
    source: str,
    published: str | None,
    inputs: list[tuple[Path, bytes]],
    entities: list[Entity],
    problems: list[RowProblem],
    warnings: list[str] | None = None,
) -> LoadedList:
    """Wrap parsed entities with the version record that identifies exactly which bytes they came from."""
    digest = hashlib.sha256()
    for _, data in inputs:  # callers pass the files in a fixed order
        digest.update(data)
    version = ListVersion(
        id=list_id,
        source=source,
        published=published,
        sha256=digest.hexdigest(),
        entities=len(entities),
        names=sum(1 + len(e.aliases) for e in entities),
        loaded_at=now_iso(),
        files=[str(p) for p, _ in inputs],
        skipped_rows=len(problems),
    )
    return LoadedList(version=version, entities=entities, problems=problems, warnings=list(warnings or []))


def keep_record(
    made: Entity | str,
    file: str,
    line: int,
    entities: dict[str, Entity],
    problems: list[RowProblem],
    duplicate: str,
) -> None:
    """Add a parsed record to ``entities``, or report it as a problem: ``made`` is the reason the
    record was refused, or its id is taken (``duplicate``, e.g. "duplicate uid {id}", says so)."""
    if isinstance(made, str):
        problems.append(RowProblem(file, line, made))
    elif made.id in entities:
        problems.append(RowProblem(file, line, duplicate.format(id=made.id)))
    else:
        entities[made.id] = made


def natural_order(name: str) -> str | None:
    """ "LAST, First" -> "First LAST" (OFAC's form for individuals); None when there is nothing to turn."""
    last, sep, first = name.partition(",")
    if not sep or not first.strip() or not last.strip():
        return None
    return f"{first.strip()} {last.strip()}"


def comma_parts(name: str) -> dict[str, str]:
    """The roles of a person's "LAST, First" name: {"surname": "LAST", "given": "First"}; {} without
    a comma."""
    last, sep, first = name.partition(",")
    if not sep or not first.strip() or not last.strip():
        return {}
    return {SURNAME: last.strip(), GIVEN: first.strip()}


def person_parts(surname: str | None, given: str | None) -> dict[str, str]:
    """The roles of a person's name given in separate columns (either may be missing)."""
    parts = ((SURNAME, surname), (GIVEN, given))
    return {role: text.strip() for role, text in parts if text and text.strip()}


def case_parts(name: str) -> dict[str, str]:
    """ "Given Names SURNAME" (DFAT, newer US CSL rows): the upper-case words are the surname, the
    others given names ("Miguel Antonio Larios MORENO"); a name all in one case has no roles."""
    words = name.split()
    upper = [w.isupper() and sum(c.isalpha() for c in w) > 1 for w in words]
    if not any(upper) or all(upper):
        return {}
    return person_parts(
        " ".join(w for w, u in zip(words, upper, strict=True) if u),
        " ".join(w for w, u in zip(words, upper, strict=True) if not u),
    )


def whole_person_name(name: str, by_case: bool = True) -> tuple[str | None, dict[str, str]]:
    """(natural order, roles) of a person's name a list gives as one string: "LAST, First" (OFAC's
    form), else ``by_case`` "Given SURNAME" for a list that marks surnames so (not one that writes
    "ALEXANDER M. ROVEGNO" or "A.H. Shamnad"); "RUBEN PESTANO LAVILLA, JR" is neither: no roles."""
    if _SUFFIX.match(name.partition(",")[2].strip()):
        return None, {}
    return natural_order(name), comma_parts(name) or (case_parts(name) if by_case else {})


def split_outside_brackets(text: str, separator: re.Pattern[str]) -> list[str]:
    """``text`` cut at every ``separator`` match that is not inside (brackets), parts stripped, empty
    parts left out: "Saudi (this aka only, alt Yemeni), Syrian" -> two parts, not three."""
    parts, start = [], 0
    for m in separator.finditer(text):
        if text.count("(", 0, m.start()) == text.count(")", 0, m.start()):
            parts.append(text[start : m.start()])
            start = m.end()
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def non_latin(text: str) -> bool:
    """True for a name written (partly) in a non-Latin script: an original-script name."""
    return not text.isascii() and any(
        ch.isalpha() and "LATIN" not in unicodedata.name(ch, "") for ch in text
    )  # FULLWIDTH LATIN too
