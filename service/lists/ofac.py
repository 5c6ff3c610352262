"""OFAC SDN legacy CSV set (sdn.csv + alt.csv + add.csv + sdn_comments.csv) -> entities.

Format: no header, ``-0-`` is null, Latin-1, CRLF, a final Ctrl-Z byte (OFAC's dat_spec.txt).
``sdn.csv`` defines the entities; the other three attach to them by ``ent_num``. A missing
companion file is a warning, not an error: an sdn.csv alone is still a usable list. The
Consolidated (non-SDN) list has the same layout under other names: ``CONSOLIDATED_FILES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from service.engine.model import AKA, FKA, NKA, Address, Entity, LoadedList, Name, RowProblem, Vessel
from service.lists.base import build_list, comma_parts, natural_order, read_bytes
from service.lists.csvrows import iter_rows
from service.lists.errors import ListError
from service.lists.ofac_remarks import apply_remarks


@dataclass(frozen=True, slots=True)
class FileSet:
    """The four file names of one OFAC legacy CSV set (the SDN and Consolidated lists differ only here)."""

    main: str = "sdn.csv"
    alt: str = "alt.csv"
    add: str = "add.csv"
    comments: str = "sdn_comments.csv"


SDN_FILES = FileSet()
CONSOLIDATED_FILES = FileSet("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")
_SCHEMA = {"individual": "Person", "vessel": "Vessel", "aircraft": "Aircraft", None: "Organization"}
_ALT_KIND = {"aka": AKA, "fka": FKA, "nka": NKA}
_EOF = "\x1a"


def null(value: str) -> str | None:
    """OFAC writes null as ``-0-`` (usually with a trailing space)."""
    value = value.strip()
    return None if value in ("", "-0-") else value


def _text(path: Path, what: str) -> tuple[bytes, str]:
    data = read_bytes(path, what)
    text = data.decode("latin-1")
    if not text.rstrip(_EOF).endswith("\n"):
        raise ListError(f"{path}: {what} does not end with a line break: the file is truncated")
    return data, text


def _rows(text: str, path: Path, width: int, problems: list[RowProblem]):
    """Rows of the expected width whose first field is an ent_num; anything else is a RowProblem."""
    for line, row in iter_rows(text, path.name, problems):
        if not row or row == [_EOF] or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != width:
            problems.append(RowProblem(path.name, line, f"expected {width} fields, found {len(row)}"))
        elif not row[0].strip().isdigit():
            problems.append(RowProblem(path.name, line, f"ent_num {row[0][:20]!r} is not a number"))
        else:
            yield line, row


def _entity(row: list[str], list_id: str) -> Entity | str:
    """One sdn.csv row -> Entity, or the reason it cannot be one."""
    ent_num, name, sdn_type, program, title, call_sign, vess_type, tonnage, grt, flag, owner, _ = row
    name = name.strip()
    kind = null(sdn_type)
    if not name or name == "-0-":
        return "empty SDN_Name"
    if kind not in _SCHEMA:
        return f"unknown SDN_Type {str(kind)[:20]!r}"  # a str: None is in _SCHEMA
    schema = _SCHEMA[kind]
    entity = Entity(id=ent_num.strip(), list_id=list_id, schema=schema, name=name)
    programs = null(program)
    entity.programs = [p.strip() for p in programs.split("] [")] if programs else []
    if titled := null(title):
        entity.titles = [titled]
    if schema == "Person":
        entity.natural_name = natural_order(name)
        entity.name_parts = comma_parts(name)
    if schema == "Vessel":
        entity.vessel = Vessel(
            flag=null(flag),
            call_sign=null(call_sign),
            type=null(vess_type),
            tonnage=null(tonnage),
            owner=null(owner),
            gross_tonnage=null(grt),
        )
    return entity


def load_ofac(
    folder: str | Path, list_id: str = "ofac_sdn", files: FileSet = SDN_FILES, source: str = "ofac"
) -> LoadedList:
    """Parse an OFAC legacy CSV folder; ListError if sdn.csv, or a companion that is present, is unusable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ListError(
            f"{folder}: expected a folder holding {files.main} "
            f"(and {files.alt}, {files.add}, {files.comments})"
        )
    problems: list[RowProblem] = []
    warnings: list[str] = []
    main_path = folder / files.main
    data, text = _text(main_path, f"OFAC {files.main}")
    inputs = [(main_path, data)]
    entities: dict[str, Entity] = {}
    remarks: dict[str, str] = {}
    for line, row in _rows(text, main_path, 12, problems):
        made = _entity(row, list_id)
        if isinstance(made, str) or made.id in entities:
            reason = made if isinstance(made, str) else f"duplicate ent_num {made.id}"
            problems.append(RowProblem(files.main, line, reason))
            continue
        entities[made.id] = made
        remarks[made.id] = null(row[11]) or ""
    bad = sum(1 for p in problems if p.file == files.main)
    if not entities or bad > len(entities):
        raise ListError(
            f"{main_path}: does not look like an OFAC {files.main} "
            f"({len(entities)} valid rows, {bad} malformed)"
        )

    companions = {}
    for name in (files.comments, files.alt, files.add):
        path = folder / name
        if not path.exists():
            warnings.append(f"{path}: missing, loaded without it")
            continue
        cdata, ctext = _text(path, f"OFAC {name}")  # present but broken: the set is not whole
        inputs.append((path, cdata))
        companions[name] = (path, ctext)

    if files.comments in companions:
        path, ctext = companions[files.comments]
        for line, row in _rows(ctext, path, 2, problems):
            if _known(row[0], entities, path, line, problems, files.main):
                remarks[row[0].strip()] += row[1].rstrip()  # the continuation resumes mid-word
    if files.alt in companions:
        path, ctext = companions[files.alt]
        for line, row in _rows(ctext, path, 5, problems):
            if _known(row[0], entities, path, line, problems, files.main):
                _add_alias(entities[row[0].strip()], row, path, line, problems)
    if files.add in companions:
        path, ctext = companions[files.add]
        for line, row in _rows(ctext, path, 6, problems):
            if _known(row[0], entities, path, line, problems, files.main):
                _add_address(entities[row[0].strip()], row)

    for ent_id, entity in entities.items():
        if remarks[ent_id]:
            entity.remarks = remarks[ent_id]
            apply_remarks(entity, entity.remarks)
    return build_list(list_id, source, None, inputs, list(entities.values()), problems, warnings)


def _known(
    ent_num: str, entities: dict[str, Entity], path: Path, line: int, problems: list[RowProblem], main: str
) -> bool:
    if ent_num.strip() in entities:
        return True
    problems.append(RowProblem(path.name, line, f"ent_num {ent_num.strip()} is not in {main}"))
    return False


def _add_alias(entity: Entity, row: list[str], path: Path, line: int, problems: list[RowProblem]) -> None:
    name = null(row[3])
    if name is None:
        problems.append(RowProblem(path.name, line, "empty alt_name"))
        return
    kind = _ALT_KIND.get((null(row[2]) or "aka").lower().replace(".", ""), AKA)
    person = entity.schema == "Person"
    entity.aliases.append(
        Name(name, kind, False, natural_order(name) if person else None, comma_parts(name) if person else {})
    )


def _add_address(entity: Entity, row: list[str]) -> None:
    street, city, country, note = (null(v) for v in row[2:6])
    if street or city or country:
        entity.addresses.append(Address(street=street, city=city, country=country, note=note))
