"""The prepared index: every listed name as token ids in numpy arrays, with postings.

Built once from the loaded lists (or read back from the on-disk cache, keyed by the lists'
checksums), then shared read-only by every request; gunicorn workers share it copy-on-write.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from service.engine.model import GIVEN, SCHEMAS, SURNAME, Entity, LoadedList, Name
from service.engine.name_parts import LEGAL_CANON
from service.engine.neighbours import Neighbours, build_neighbours
from service.engine.normalize import acronyms, consonant_key, name_variants, parenthesis_forms, skeleton
from service.engine.parallel import fork_map
from service.engine.romanize import listed_variants

log = logging.getLogger(__name__)

# A name's token variants (the first ``spelled`` spelled out, the rest initials) and token roles.
_NameVariants = tuple[list[list[str]], int, dict[str, int]]

INDEX_FORMAT = 17  # bump when the arrays or the normalization change: old caches are ignored
# A token's rarity is judged as if the lists held at least this many parties: in a watchlist of 4
# names every word is "rare" only because there are 4, and the calibrated score (trained on lists
# of thousands) would read its short idf as common words. Lists this large or larger are unchanged.
MIN_IDF_POPULATION = 5000


def idf_population(entities: int) -> int:
    """The number of parties that token rarity (idf) is computed over."""
    return max(entities, MIN_IDF_POPULATION)


INITIAL_WEIGHT = 0.3  # a lone initial ("S." of "Tarik Nasser S.") identifies little
KEEP_CACHED = 4  # index files kept in the cache (the current lists' and a few earlier)
MAX_TOKENS = 32  # tokens kept per name variant (longer names are cut)
PARALLEL_ENTITIES = 5000  # lists with fewer entities are normalized in this process (a fork costs more)
PARALLEL_CHUNK = 500  # entities per job
NEIGHBOUR_FIELDS = ("vocab_nb", "skel_nb", "ckey_nb")  # saved as one array per Neighbours field
LEGAL_WEIGHT = 0.15  # a legal form ("ltd", "sa") counts this much of an ordinary token
GIVEN_NAME_WEIGHT = 0.7  # a given name (after the comma of "LAST, First") identifies less than a surname
# An East Slavic patronymic ("Nikolayevich", Ukrainian "Mykolayovych", Belarusian "Ryhoravich")
# is the father's name: lists and customers give it or leave it out, so it counts little.
PATRONYMIC_WEIGHT = 0.35
PATRONYMIC_ENDINGS = ("ovich", "evich", "ovych", "evych", "avich", "ovna", "evna", "ivna", "auna")
# The role of each token of a listed name variant (``NameIndex.var_role``): from the list's name
# columns (``Name.parts``, or the comma of "LAST, First"); a variant of one token is a WHOLE name;
# INITIALS are made by the engine from an organization's words ("SMITC"), not written by the list.
ROLE_NONE, ROLE_GIVEN, ROLE_SURNAME, ROLE_WHOLE, ROLE_INITIALS = 0, 1, 2, 3, 4


@dataclass(slots=True)
class NameIndex:
    """Arrays over entities, names (one listed string), variants (one token list) and tokens."""

    list_ids: np.ndarray  # str, one per loaded list
    entity_list: np.ndarray  # int16 -> list_ids
    entity_ids: np.ndarray  # str, the source's own id
    entity_schema: np.ndarray  # int8 -> SCHEMAS
    name_entity: np.ndarray  # int32 -> entity
    name_alias: np.ndarray  # int16: position in Entity.names()
    name_weak: np.ndarray  # bool
    var_name: np.ndarray  # int32 -> name
    var_ptr: np.ndarray  # int64, CSR offsets into var_tok
    var_tok: np.ndarray  # int32 -> vocab
    var_role: np.ndarray  # int8 ROLE_*: given name, surname, whole one-word name, or not known
    var_weight: np.ndarray  # float32, the weight of each variant token
    var_wsum: np.ndarray  # float32, total weight per variant
    vocab: np.ndarray  # str, folded tokens
    vocab_skel: np.ndarray  # int32 -> skel_vocab
    skel_vocab: np.ndarray  # str, skeletons
    vocab_ckey: np.ndarray  # int32 -> ckey_vocab
    ckey_vocab: np.ndarray  # str, consonant keys (for Arabic-script queries)
    idf: np.ndarray  # float32 per vocab token
    post_ptr: np.ndarray  # int64, CSR offsets per vocab token into post_var/post_pos
    post_var: np.ndarray  # int32 -> variant
    post_pos: np.ndarray  # int8: position of the token in the variant
    # neighbour search over vocab, skel_vocab and ckey_vocab (engine/neighbours.py)
    vocab_nb: Neighbours
    skel_nb: Neighbours
    ckey_nb: Neighbours

    @property
    def max_idf(self) -> float:
        return float(np.log1p(idf_population(len(self.entity_ids)))) + 1.0

    def token_weight(self, vocab_ids: np.ndarray) -> np.ndarray:
        w = self.idf[vocab_ids].copy()
        w[np.isin(self.vocab[vocab_ids], list(LEGAL_CANON))] *= LEGAL_WEIGHT
        tokens = self.vocab[vocab_ids].astype(str)
        w[np.char.str_len(tokens) == 1] *= INITIAL_WEIGHT
        patronymic = np.zeros(len(tokens), bool)
        for ending in PATRONYMIC_ENDINGS:
            patronymic |= np.char.endswith(tokens, ending)
        w[patronymic] *= PATRONYMIC_WEIGHT
        return w


def lists_key(lists: list[LoadedList]) -> str:
    """Cache key: the lists' ids and checksums and the index format."""
    h = hashlib.sha256(f"format={INDEX_FORMAT}".encode())
    for lst in lists:
        h.update(f"|{lst.version.id}:{lst.version.sha256}".encode())
    return h.hexdigest()[:32]


def build_index(lists: list[LoadedList]) -> NameIndex:
    """Tokenize every name of every entity and lay the result out as arrays.

    The names are normalized in forked processes when there are many (``fork_map``); the
    vocabulary is then numbered here in list order, so the index is the same either way."""
    list_ids = [lst.version.id for lst in lists]
    entity_ids: list[str]  # annotated: both are read before their first append, so mypy cannot infer them
    name_entity: list[int]
    entity_list, entity_ids, entity_schema = [], [], []
    name_entity, name_alias, name_weak = [], [], []
    var_name, var_tokens, var_role = [], [], []
    vocab: dict[str, int] = {}
    variants_of = _Memo()
    entities = [(li, ent) for li, lst in enumerate(lists) for ent in lst.entities]

    def normalized(chunk: range) -> list[list[_NameVariants | None]]:
        return [_entity_variants(entities[i][1], variants_of) for i in chunk]

    chunks = [
        range(i, min(i + PARALLEL_CHUNK, len(entities))) for i in range(0, len(entities), PARALLEL_CHUNK)
    ]
    parallel = len(entities) >= PARALLEL_ENTITIES
    done = fork_map(normalized, chunks) if parallel else [normalized(c) for c in chunks]
    per_entity = (names for part in done for names in part)
    for (li, ent), names in zip(entities, per_entity, strict=True):
        e = len(entity_ids)
        entity_list.append(li)
        entity_ids.append(ent.id)
        entity_schema.append(SCHEMAS.index(ent.schema) if ent.schema in SCHEMAS else 1)
        for ai, (nm, found) in enumerate(zip(ent.names(), names, strict=True)):
            if found is None:
                continue
            variants, spelled, roles = found
            n = len(name_entity)
            name_entity.append(e)
            name_alias.append(ai)
            name_weak.append(nm.weak)
            for vi, toks in enumerate(variants):
                if vi >= spelled:
                    var_role.append(ROLE_INITIALS)
                elif len(toks) == 1:
                    var_role.append(ROLE_WHOLE)
                else:
                    var_role.extend(roles.get(t, ROLE_NONE) for t in toks[:MAX_TOKENS])
                var_name.append(n)
                var_tokens.append([vocab.setdefault(t, len(vocab)) for t in toks[:MAX_TOKENS]])
    return _assemble(
        list_ids,
        entity_list,
        entity_ids,
        entity_schema,
        name_entity,
        name_alias,
        name_weak,
        var_name,
        var_tokens,
        var_role,
        vocab,
    )


def _entity_variants(ent: Entity, variants_of) -> list[_NameVariants | None]:
    """Per name of ``ent``: its variants and token roles; None for a name with no token."""
    out: list[_NameVariants | None] = []
    for nm in ent.names():
        variants = variants_of(nm.name)
        variants += [v for v in listed_variants(nm.name) if v not in variants]
        for form in parenthesis_forms(nm.name, trailing_alias=ent.schema == "Organization"):
            variants += [v for v in variants_of(form) if v not in variants]
        spelled = len(variants)
        if ent.schema == "Organization":
            variants += [[a] for a in acronyms(nm.name) if [a] not in variants]
        if not variants:
            out.append(None)
            continue
        roles = _token_roles(nm, variants_of) if ent.schema == "Person" else {}
        out.append((variants, spelled, roles))
    return out


class _Memo:
    """``name_variants`` of each text once per build: the same names and name parts recur across
    the lists (one party on five lists, "Mohammed" in thousands of names); a fresh outer list
    each call, since the caller extends it."""

    def __init__(self) -> None:
        self._seen: dict[str, list[list[str]]] = {}

    def __call__(self, text: str) -> list[list[str]]:
        found = self._seen.get(text)
        if found is None:
            found = self._seen[text] = name_variants(text)
        return list(found)


def _token_roles(name: Name, variants_of=name_variants) -> dict[str, int]:
    """Token -> ROLE_GIVEN / ROLE_SURNAME from the list's name columns, else from the comma of a
    "LAST, First Middle" name; a token in both parts is a surname."""
    given, surname = name.parts.get(GIVEN), name.parts.get(SURNAME)
    if not given and not surname and "," in name.name:
        surname, _, given = name.name.partition(",")
    roles = {t: ROLE_GIVEN for v in variants_of(given or "") for t in v}
    roles.update({t: ROLE_SURNAME for v in variants_of(surname or "") for t in v})
    return roles


def apply_weights(index: NameIndex) -> None:
    """Derive the per-token weights from ``idf`` (legal forms and given names count less)."""
    w = index.token_weight(index.var_tok).astype(np.float32)
    w[index.var_role == ROLE_GIVEN] *= np.float32(GIVEN_NAME_WEIGHT)
    index.var_weight = w
    index.var_wsum = np.add.reduceat(w, index.var_ptr[:-1]).astype(np.float32) if len(w) else w


def _assemble(
    list_ids,
    entity_list,
    entity_ids,
    entity_schema,
    name_entity,
    name_alias,
    name_weak,
    var_name,
    var_tokens,
    var_role,
    vocab,
) -> NameIndex:
    lengths = np.fromiter((len(t) for t in var_tokens), np.int64, len(var_tokens))
    var_ptr = np.zeros(len(var_tokens) + 1, np.int64)
    np.cumsum(lengths, out=var_ptr[1:])
    var_tok = np.fromiter((t for toks in var_tokens for t in toks), np.int32, int(var_ptr[-1]))
    var_of_tok = np.repeat(np.arange(len(var_tokens), dtype=np.int32), lengths)
    pos_of_tok = (np.arange(len(var_tok)) - var_ptr[:-1].repeat(lengths)).astype(np.int8)

    # Document frequency over entities, so an entity with many aliases does not inflate it.
    ent_of_tok = np.asarray(name_entity, np.int32)[np.asarray(var_name, np.int32)][var_of_tok]
    pairs = np.unique(ent_of_tok.astype(np.int64) * len(vocab) + var_tok)
    df = np.bincount((pairs % len(vocab)).astype(np.int64), minlength=len(vocab))
    idf = (np.log((idf_population(len(entity_ids)) + 1) / (df + 1)) + 1.0).astype(np.float32)

    vocab_arr = np.array(list(vocab), dtype=object)
    skels = [skeleton(t) for t in vocab_arr]
    skel_ids: dict[str, int] = {}
    vocab_skel = np.fromiter((skel_ids.setdefault(s, len(skel_ids)) for s in skels), np.int32, len(skels))
    ckey_ids: dict[str, int] = {}
    vocab_ckey = np.fromiter(
        (ckey_ids.setdefault(consonant_key(t), len(ckey_ids)) for t in vocab_arr), np.int32, len(vocab_arr)
    )

    order = np.argsort(var_tok, kind="stable")
    post_ptr = np.zeros(len(vocab) + 1, np.int64)
    np.cumsum(np.bincount(var_tok, minlength=len(vocab)), out=post_ptr[1:])

    index = NameIndex(
        list_ids=np.array(list_ids, dtype=object),
        entity_list=np.asarray(entity_list, np.int16),
        entity_ids=np.array(entity_ids, dtype=object),
        entity_schema=np.asarray(entity_schema, np.int8),
        name_entity=np.asarray(name_entity, np.int32),
        name_alias=np.asarray(name_alias, np.int16),
        name_weak=np.asarray(name_weak, bool),
        var_name=np.asarray(var_name, np.int32),
        var_ptr=var_ptr,
        var_tok=var_tok,
        var_role=np.asarray(var_role, np.int8),
        var_weight=np.zeros(0, np.float32),
        var_wsum=np.zeros(0, np.float32),
        vocab=vocab_arr,
        vocab_skel=vocab_skel,
        skel_vocab=np.array(list(skel_ids), dtype=object),
        vocab_ckey=vocab_ckey,
        ckey_vocab=np.array(list(ckey_ids), dtype=object),
        idf=idf,
        post_ptr=post_ptr,
        post_var=var_of_tok[order],
        post_pos=pos_of_tok[order],
        vocab_nb=build_neighbours(vocab_arr),
        skel_nb=build_neighbours(list(skel_ids)),
        ckey_nb=build_neighbours(list(ckey_ids)),
    )
    apply_weights(index)
    return index


def save_index(index: NameIndex, path: Path) -> None:
    """Write the arrays atomically (temp file + rename): a crash never leaves half an index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for f in fields(index):
        a = getattr(index, f.name)
        if isinstance(a, Neighbours):
            arrays.update({f"{f.name}.{g.name}": getattr(a, g.name) for g in fields(Neighbours)})
        else:
            arrays[f.name] = a.astype(str) if a.dtype == object else a
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_index(path: Path) -> NameIndex:
    with np.load(path, allow_pickle=False) as data:
        arrays: dict = {}
        for f in fields(NameIndex):
            if f.name in NEIGHBOUR_FIELDS:
                parts = {g.name: data[f"{f.name}.{g.name}"] for g in fields(Neighbours)}
                arrays[f.name] = Neighbours(**parts)
                continue
            a = data[f.name]
            arrays[f.name] = a.astype(object) if a.dtype.kind == "U" else a
    return NameIndex(**arrays)


def cached_index(lists: list[LoadedList], cache_dir: Path | None) -> NameIndex:
    """The index for these lists: from the cache when their checksums match, else built and cached."""
    if cache_dir is None:
        return build_index(lists)
    path = Path(cache_dir) / f"index-{lists_key(lists)}.npz"
    if path.exists():
        try:
            index = load_index(path)
            log.info("index loaded from cache %s", path)
            return index
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable index cache %s: %s", path, exc)
    started = time.perf_counter()
    index = build_index(lists)
    log.info("index built in %.2f s (%d names)", time.perf_counter() - started, len(index.name_entity))
    try:
        save_index(index, path)
    except OSError as exc:
        log.warning("could not write index cache %s: %s", path, exc)
    try:
        for old in sorted(path.parent.glob("index-*.npz"), key=lambda p: p.stat().st_mtime)[:-KEEP_CACHED]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only or vanished cache folder costs disk space, never the index
        log.warning("could not prune the index cache %s: %s", path.parent, exc)
    return index
