"""Word lists that carry little or no identity in a name: titles, particles, legal forms.

Written from general knowledge of naming conventions (not from any list's aliases), so that
they apply to names no list has seen.
"""

from __future__ import annotations

# Honorifics, ranks and religious titles: dropped when they lead a name ("Dr", "Hajj", "Col").
TITLES = frozenset(
    """
mr mrs ms miss mister madam sir dame lord lady dr doctor prof professor eng engineer
hajj haj haji hadji hajji alhaj alhajj sayyed sayyid sayed seyed seyyed syed said sheikh shaykh shaikh
sheik shekh cheikh mullah mulla mawlawi maulvi maulana moulana mawlana imam ayatollah hojatoleslam
emir amir prince princess king queen
general gen lieutenant lt colonel col major maj captain capt commander cmdr brigadier brig admiral
adm sergeant sgt marshal field
""".split()
)

# Particles inside personal names: kept for display, weighted low when scoring.
PARTICLES = frozenset(
    """
al el ul il ad ed ud ar er ur as es us at et ut az ez uz an ash esh
bin ben ibn bint bent ould walad abu abou bou
de da do dos das di del della der den van von la le les du des dem zu y e i
""".split()
)

# Connecting words in organisation names.
STOPWORDS = frozenset(
    """
of the and for in on at to a an by with
wa va ve et und und y e i
""".split()
)

# Legal forms, in their folded one-token spelling ("s.a." -> "sa"), mapped to one canonical form
# so that "S.A." == "SA" and "L.L.C." == "LLC", and weighted low.
LEGAL_FORMS: dict[str, str] = {
    **dict.fromkeys("llc llp lllp ltd ltda limited lp plc pllc".split(), "ltd"),
    **dict.fromkeys("inc incorporated corp corporation co company cia compania compagnie".split(), "co"),
    **dict.fromkeys(
        "sa sas sarl sae sal saog saoc sac sab sapi spa srl sl bv nv ag kg gmbh ohg ab as oy".split(), "sa"
    ),
    **dict.fromkeys("ooo oao zao pao ao tov pat pjsc jsc ojsc cjsc psc pjs ead ad dd doo".split(), "jsc"),
    **dict.fromkeys("fze fzco fzc fzllc dmcc wll est establishment".split(), "fze"),
    **dict.fromkeys("pte pvt private sdn bhd tbk kk".split(), "pte"),
    "cv": "cv",
}

# Multi-token legal forms, matched on folded tokens, replaced by their canonical one-token form.
LEGAL_PHRASES: dict[tuple[str, ...], str] = {
    ("limited", "liability", "company"): "ltd",
    ("limited", "liability", "partnership"): "ltd",
    ("joint", "stock", "company"): "jsc",
    ("closed", "joint", "stock", "company"): "jsc",
    ("open", "joint", "stock", "company"): "jsc",
    ("public", "joint", "stock", "company"): "jsc",
    ("private", "joint", "stock", "company"): "jsc",
    ("aktsionernoe", "obshchestvo"): "jsc",
    ("publichnoe", "aktsionernoe", "obshchestvo"): "jsc",
    ("otkrytoe", "aktsionernoe", "obshchestvo"): "jsc",
    ("zakrytoe", "aktsionernoe", "obshchestvo"): "jsc",
    ("obshchestvo", "s", "ogranichennoi", "otvetstvennostyu"): "ltd",
    ("obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"): "ltd",
    ("tovarystvo", "z", "obmezhenoyu", "vidpovidalnistyu"): "ltd",
    ("sociedad", "anonima"): "sa",
    ("societe", "anonyme"): "sa",
    ("de", "cv"): "cv",
    ("sa", "de", "cv"): "sa",
    ("s", "de", "rl"): "ltd",
    ("company", "limited"): "ltd",
    ("co", "ltd"): "ltd",
    ("private", "limited"): "ltd",
    ("pvt", "ltd"): "ltd",
    ("pte", "ltd"): "ltd",
    ("sdn", "bhd"): "ltd",
    ("free", "zone", "establishment"): "fze",
    ("free", "zone", "company"): "fze",
}

# Canonical legal-form tokens: what LEGAL_FORMS and LEGAL_PHRASES produce.
LEGAL_CANON = frozenset(LEGAL_FORMS.values()) | frozenset(LEGAL_PHRASES.values())
