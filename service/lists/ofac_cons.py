"""OFAC Consolidated (non-SDN) list: the legacy CSV set or CONSOLIDATED.XML, whichever PATH holds.

OFAC publishes the same list in both formats. The registry downloads the CSV set (the legacy
URLs), an offline site may only have the XML: both load as source ``ofac_cons`` with the same
entities. A folder holding both (the reference snapshot) is read as the CSV set, like the download.
"""

from __future__ import annotations

from pathlib import Path

from service.engine.model import LoadedList
from service.lists.errors import ListError
from service.lists.ofac import CONSOLIDATED_FILES, load_ofac
from service.lists.ofac_xml import load_ofac_xml

SOURCE = "ofac_cons"
XML_FILE = "consolidated.xml"


def load_ofac_cons(path: str | Path, list_id: str = SOURCE) -> LoadedList:
    """Parse the folder's CSV set, else its consolidated.xml, or the XML file itself; ListError if neither."""
    path = Path(path)
    if path.is_dir():
        if (path / CONSOLIDATED_FILES.main).exists():
            return load_ofac(path, list_id, CONSOLIDATED_FILES, SOURCE)
        xml = next((p for p in path.iterdir() if p.name.lower() == XML_FILE), None)
        if xml is None:
            raise ListError(f"{path}: holds neither {CONSOLIDATED_FILES.main} (the CSV set) nor {XML_FILE}")
        return load_ofac_xml(xml, list_id, SOURCE)
    if path.suffix.lower() == ".csv":
        raise ListError(f"{path}: the CSV set is read from its folder: give {path.parent}")
    return load_ofac_xml(path, list_id, SOURCE)
