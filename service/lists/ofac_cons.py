"""OFAC Consolidated (non-SDN) list: the legacy CSV set or CONSOLIDATED.XML, whichever PATH holds.

OFAC publishes the same list in both formats. The registry downloads the CSV set (the legacy
URLs), an offline site may only have the XML: both load as source ``ofac_cons`` with the same
entities. A folder holding both (the reference snapshot) is read as the CSV set, like the download.
"""

from __future__ import annotations

import re
from pathlib import Path

from service.engine.model import LoadedList
from service.lists.errors import ListError
from service.lists.ofac import CONSOLIDATED_FILES, load_ofac
from service.lists.ofac_xml import load_ofac_xml, published_date

SOURCE = "ofac_cons"
XML_FILE = "consolidated.xml"
_PUBLISH_DATE = re.compile(r"<Publish_Date>([^<]{0,40})</Publish_Date>")
_HEAD_BYTES = 4096


def load_ofac_cons(path: str | Path, list_id: str = SOURCE) -> LoadedList:
    """Parse the folder's CSV set, else its consolidated.xml, or the XML file itself; ListError if neither."""
    path = Path(path)
    if path.is_dir():
        xml = next((p for p in path.iterdir() if p.name.lower() == XML_FILE), None)
        if (path / CONSOLIDATED_FILES.main).exists():
            loaded = load_ofac(path, list_id, CONSOLIDATED_FILES, SOURCE)
            if xml is not None:  # the CSV set carries no date; the same publication's XML does
                loaded.version.published = _xml_publish_date(xml, loaded.warnings)
            return loaded
        if xml is None:
            raise ListError(f"{path}: holds neither {CONSOLIDATED_FILES.main} (the CSV set) nor {XML_FILE}")
        return load_ofac_xml(xml, list_id, SOURCE)
    if path.suffix.lower() == ".csv":
        raise ListError(f"{path}: the CSV set is read from its folder: give {path.parent}")
    return load_ofac_xml(path, list_id, SOURCE)


def _xml_publish_date(xml: Path, warnings: list[str]) -> str | None:
    """``<Publish_Date>`` from the head of CONSOLIDATED.XML (it comes before the records)."""
    try:
        with xml.open("rb") as f:
            head = f.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError as exc:
        warnings.append(f"{xml}: unreadable, publication date unknown ({exc.strerror or exc})")
        return None
    found = _PUBLISH_DATE.search(head)
    return published_date(found.group(1).strip(), xml, warnings) if found else None
