"""The parser families Orinoco can read, by source name (what ``--list SOURCE=PATH`` takes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service.engine.model import LoadedList
from service.lists.au import load_au
from service.lists.ca import load_ca
from service.lists.ch import load_ch
from service.lists.custom import load_custom
from service.lists.eu import load_eu
from service.lists.ftm import load_ftm
from service.lists.ofac import load_ofac
from service.lists.ofac_cons import load_ofac_cons
from service.lists.uk import load_uk_ofsi
from service.lists.uk_fcdo import load_uk_sanctions_list, ofsi_workbook
from service.lists.un import load_un
from service.lists.us_csl import load_us_csl
from service.lists.us_dpl import load_us_dpl


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    load: Callable[[Path, str], LoadedList]  # (path, list_id) -> LoadedList, raises ListError
    default_list_id: str
    takes_folder: bool  # True: PATH is a folder of files (OFAC CSV set); False: a single file
    help: str
    # Another source whose format this file is in (an archived OFSI workbook given as "uk"), or None.
    sniff: Callable[[Path], str | None] | None = None


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "ofac",
            load_ofac,
            "ofac_sdn",
            True,
            "OFAC SDN legacy CSV folder: sdn.csv (+ alt.csv, add.csv, sdn_comments.csv)",
        ),
        Source(
            "ofac_cons",
            load_ofac_cons,
            "ofac_cons",
            True,
            "OFAC Consolidated (non-SDN) list: folder with cons_prim.csv (+ cons_alt.csv, cons_add.csv, "
            "cons_comments.csv), or consolidated.xml",
        ),
        Source("un", load_un, "un_sc", False, "UN Security Council consolidated list XML file"),
        Source(
            "uk",
            load_uk_sanctions_list,
            "uk_fcdo",
            False,
            "UK Sanctions List (FCDO) UK-Sanctions-List.xml file (an OFSI ConList.xlsx is read as uk_ofsi)",
            ofsi_workbook,
        ),
        Source(
            "uk_ofsi",
            load_uk_ofsi,
            "uk_ofsi",
            False,
            "UK HM Treasury OFSI Consolidated List ConList.xlsx file (closed 28 January 2026: archives)",
        ),
        Source("eu", load_eu, "eu_fsf", False, "EU Financial Sanctions Files consolidated list XML (v1.1)"),
        Source("ch", load_ch, "ch_seco", False, "Swiss SECO sanctions list XML (the whole list)"),
        Source(
            "us_csl",
            load_us_csl,
            "us_csl",
            False,
            "US Consolidated Screening List consolidated.csv (data.trade.gov or older api.trade.gov layout)",
        ),
        Source("us_dpl", load_us_dpl, "us_dpl", False, "US BIS Denied Persons List dpl.txt (tab-separated)"),
        Source(
            "ftm",
            load_ftm,
            "ftm",
            False,
            "FollowTheMoney entities, JSON lines (OpenSanctions, yente; needs the ftm extra)",
        ),
        Source(
            "au",
            load_au,
            "au_dfat",
            False,
            "Australia DFAT Consolidated List regulation8_consolidated.xlsx file",
        ),
        Source(
            "ca",
            load_ca,
            "ca_sema",
            False,
            "Canada Consolidated Autonomous Sanctions List (SEMA, JVCFOA) sema-lmes.xml file",
        ),
        Source(
            "custom",
            load_custom,
            "custom",
            False,
            "custom CSV: entity_id,name,schema[,is_primary,birth_date,country,program]",
        ),
    )
}
