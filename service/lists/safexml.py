"""XML parsing that refuses DTDs, entity expansion and external references (defusedxml), and the
record reading every XML list shares.

Lists are downloaded from the internet: a billion-laughs or XXE payload must be a rejected file,
never a hung process or a read of local files. ``open_list`` also checks the root element and notes
the line where each record starts, so that a skipped record can be reported by line number; the
text helpers read values the same way in every parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from service.lists.errors import ListError


class _LineTarget:
    """A TreeBuilder that also notes the line number of every element whose tag is in ``tags``.

    Tags are compared without their ``{namespace}``: a publisher that changes its namespace URI
    (OFAC did) must not make every record lose its line number.
    """

    def __init__(self, tags: frozenset[str]):
        self.tags = tags
        self.lines: dict[str, list[int]] = {t: [] for t in tags}
        self.parser: DefusedXMLParser | None = None
        self._tb = TreeBuilder()
        self.end, self.data, self.close = self._tb.end, self._tb.data, self._tb.close

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        local = tag.rpartition("}")[2]
        if local in self.tags and self.parser is not None:
            self.lines[local].append(self.parser.parser.CurrentLineNumber)
        return self._tb.start(tag, attrs)


def parse_xml(
    data: bytes, path: Path, what: str, record_tags: frozenset[str] = frozenset()
) -> tuple[Element, dict[str, list[int]]]:
    """The root element and, per record tag (local name), the start line of each record; ListError if
    unsafe or broken."""
    target = _LineTarget(record_tags)
    parser = DefusedXMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    target.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        raise ListError(f"{path}: {what} refused, unsafe XML ({type(exc).__name__})") from None
    except ParseError as exc:
        raise ListError(f"{path}: {what} is not well-formed XML ({exc}): truncated or wrong file?") from None
    return root, target.lines


@dataclass(slots=True)
class XmlList:
    """A parsed list file: its root and the start line of each of its record elements."""

    root: Element
    lines: dict[int, int]  # id(record element) -> its start line

    def records(self, path: str) -> list[tuple[Element, int]]:
        """The elements at ``path`` under the root ("INDIVIDUALS/INDIVIDUAL"; local names, any
        namespace), with their start lines; only the direct path, never copies nested deeper."""
        found = [self.root]
        for step in path.split("/"):
            found = [c for e in found for c in e if local(c.tag) == step]
        return [(e, self.lines.get(id(e), 0)) for e in found]


def open_list(data: bytes, path: Path, what: str, root: str, records: frozenset[str], name: str) -> XmlList:
    """Parse ``data`` safely, check that the root element is ``root`` (local name) and note the start
    line of every element whose local name is in ``records``; ListError, naming the file, if the XML
    is unsafe or broken or the root says it is not ``name`` ("the UN list")."""
    elem, lines = parse_xml(data, path, what, records)
    if local(elem.tag) != root:
        raise ListError(f"{path}: root element is <{elem.tag[:40]}>, expected <{root}>: not {name}")
    # Lines come in document order, as root.iter() walks the tree: nested copies of a record (SECO
    # keeps old versions of a target inside its modifications) are counted, so each gets its own.
    where: dict[int, int] = {}
    for tag in records:
        nodes = [e for e in elem.iter() if local(e.tag) == tag]
        where.update((id(e), line) for e, line in zip(nodes, lines[tag], strict=False))
    return XmlList(elem, where)


def local(tag: str) -> str:
    """A tag without its ``{namespace}``."""
    return tag.rpartition("}")[2]


def text(elem: Element | None, path: str = ".") -> str | None:
    """The text at ``path`` under ``elem`` (nested text included), whitespace collapsed; None if
    missing or blank."""
    node = elem.find(path) if elem is not None else None
    value = " ".join("".join(node.itertext()).split()) if node is not None else ""
    return value or None


def texts(elem: Element | None, path: str) -> list[str]:
    """The texts of every element at ``path``, whitespace collapsed, blanks and repeats left out."""
    out: list[str] = []
    for node in elem.findall(path) if elem is not None else []:
        value = " ".join("".join(node.itertext()).split())
        if value and value not in out:
            out.append(value)
    return out


def stripped(elem: Element, path: str) -> str | None:
    """The text at ``path``, only stripped (its line breaks kept: UN and OFAC remarks); None if blank."""
    value = elem.findtext(path)
    value = value.strip() if value else None
    return value or None


def all_stripped(elem: Element, path: str) -> list[str]:
    """The stripped text of every element at ``path``, blanks left out, repeats kept."""
    return [v.text.strip() for v in elem.findall(path) if v.text and v.text.strip()]
