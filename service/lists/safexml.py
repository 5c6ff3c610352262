"""XML parsing that refuses DTDs, entity expansion and external references (defusedxml).

Lists are downloaded from the internet: a billion-laughs or XXE payload must be a rejected file,
never a hung process or a read of local files. Also records the line where each record starts,
so that a skipped record can be reported by line number.
"""

from __future__ import annotations

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
