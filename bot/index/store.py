"""The LanceDB index: chunks with their vectors, and the bookkeeping that makes sync incremental.

Its tables are chunks, documents, sync runs and meta (the embedding model); the app's own records
(tickets, feedback, seen events, conversation memory) live in the same database but are not the
index's business: `bot.records` owns them, and a rebuild never touches them.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import structlog
from lancedb.index import FTS, BTree, IvfSq, LabelList

from bot.index.chunking import Chunk
from bot.index.lance import KEY_VALUE, Database, quote
from connectors.base import Document, normalise_acl

log = structlog.get_logger(__name__)

VECTOR_INDEX_MIN_ROWS = 50_000
"""Below this, exact search over every vector takes milliseconds and beats an approximate index."""

FULL_TEXT_INDEX = FTS(with_position=False, stem=True, remove_stop_words=True, ascii_folding=True)
"""BM25 over `search_text`: words stemmed and accents folded, no positions (kb asks no phrase queries)."""


def vector_index() -> IvfSq:
    """IVF_SQ, chosen by measurement on 100k synthetic chunks with the access filter (README,
    benchmarks/vector_index_bench.py): recall@10 0.987 at 12 ms of CPU a query, built in 7 s of CPU.
    IVF_HNSW_SQ gave 0.977 at 8 ms with LanceDB's defaults, but building it was most of the 684 s an
    earlier 100k run spent on indexes (its default partition size, 1M rows, makes one graph of every
    row), and 0.987 at 14 ms and 41 s of CPU with 16 partitions; IVF_PQ needs refining (0.45
    unrefined, 1.0 refined tenfold at 22 ms) and 80 s to build."""
    return IvfSq(distance_type="cosine")


KEY_INDEXES = {"chunks": ("id", "doc_id"), "documents": ("id",)}
"""The columns a sync's writes look rows up by (merges by id, deletes by document): with a BTREE
index on each, a batch finds its rows through the index instead of scanning the whole table, so a
batch costs the same at a million chunks as at a thousand (benchmarks/sync_memory_bench.py)."""
KEY_INDEX_STALE_ROWS = 5_000
"""Rows written since a key index was built that a sync lets it go without, at the least. Rows an
index does not cover are scanned by every lookup (about 2 µs a row), and a rebuild reads the whole
key column (about 1 µs a row), so the index is rebuilt once the uncovered rows pass the square root
of 500 times the covered ones: the two costs then stay equal and small, about 20 ms a batch of 64
documents at a million chunks (measured; see `_outgrown`)."""

DOCUMENTS = pa.schema(
    [
        ("id", pa.string()),
        ("scope", pa.string()),
        ("source", pa.string()),
        ("hash", pa.string()),
        ("title", pa.string()),
        ("url", pa.string()),
        ("path", pa.string()),
        ("updated_at", pa.timestamp("us", tz="UTC")),
        ("synced_at", pa.timestamp("us", tz="UTC")),
        ("chunks", pa.int32()),
        ("acl", pa.list_(pa.string())),
    ]
)
"""`acl` is the access list the document's chunks carry, so a sync compares readers without reading
every chunk; `hash` covers the content only (see `Document.content_hash`)."""
SYNC_RUNS = pa.schema(
    [
        ("scope", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("finished_at", pa.timestamp("us", tz="UTC")),
        ("ok", pa.bool_()),
        ("cursor", pa.timestamp("us", tz="UTC")),
        ("summary", pa.string()),
    ]
)
META = KEY_VALUE


def chunk_schema(dimension: int) -> pa.Schema:
    return pa.schema(
        [
            ("id", pa.string()),
            ("doc_id", pa.string()),
            ("scope", pa.string()),
            ("source", pa.string()),
            ("ordinal", pa.int32()),
            ("title", pa.string()),
            ("url", pa.string()),
            ("path", pa.string()),
            ("section", pa.string()),
            ("anchor", pa.string()),
            ("text", pa.string()),
            ("search_text", pa.string()),
            ("acl", pa.list_(pa.string())),
            ("updated_at", pa.timestamp("us", tz="UTC")),
            ("vector", pa.list_(pa.float32(), dimension)),
            ("sentences", pa.binary()),
        ]
    )
"""`sentences` holds the vectors of the chunk's sentences (`bot.index.sentence_vectors`): null in rows
written before the column existed, until the next sync of their source fills them in."""


class ModelMismatch(RuntimeError):
    """The index was built with another embedding model; mixing vectors would make search garbage."""


class StoredDocument(NamedTuple):
    """What the index holds of one document: its content hash and its access list.

    `acl` is None only where it is unknown (a document without chunks in an index from before the
    column existed); the sync then treats it as changed and records it.
    """

    hash: str
    acl: list[str] | None


class DocumentWrite(NamedTuple):
    """One document as the sync writes it: its chunks, their search texts, vectors and sentence vectors."""

    document: Document
    digest: str
    chunks: list[Chunk]
    texts: list[str]
    vectors: np.ndarray
    sentences: list[bytes]


class ChunkText(NamedTuple):
    """A chunk's text and its stored sentence vectors (None where not stored yet)."""

    text: str
    sentences: bytes | None = None


@dataclass(frozen=True)
class Hit:
    """One chunk returned by a search, with the score its retriever gave it."""

    row: dict[str, Any]
    score: float


def in_list(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(quote(value) for value in values)})"


def now() -> datetime:
    return datetime.now(timezone.utc)


class Store(Database):
    """Typed access to the index's tables; every write path of the index goes through here."""

    def __init__(self, uri: str, read_consistency: float | None = 5.0) -> None:
        super().__init__(uri, read_consistency)
        self._documents_upgraded = False
        self._keys_indexed = False
        self._has_sentences = False

    @property
    def chunks(self) -> Any:
        return self.table("chunks")

    @property
    def documents(self) -> Any:
        return self.table("documents", DOCUMENTS)

    # -- model bookkeeping ----------------------------------------------------------------------
    def check_model(self, model_name: str, dimension: int | None = None) -> None:
        """Bind the index to one embedding model; a different one is refused until `kb sync --rebuild`.

        Without `dimension` only the name is compared (it is known before the model loads); the
        binding itself is written once a dimension is known, at the first embedding.
        """
        stored = self.meta("embed_model")
        if stored is None:
            if dimension is not None:
                self.set_meta("embed_model", json.dumps({"model": model_name, "dimension": dimension}))
                self.table("chunks", chunk_schema(dimension))
            return
        info = json.loads(stored)
        if info["model"] != model_name or (dimension is not None and int(info["dimension"]) != dimension):
            raise ModelMismatch(
                f"the index at {self.uri} was built with {info['model']} ({info['dimension']} dimensions) "
                f"but the configured model is {model_name}; run `kb sync --rebuild` to "
                "re-embed everything with the new model"
            )

    def drop_all(self) -> None:
        """Forget every chunk and document (the explicit rebuild after a model change)."""
        self.drop(("chunks", "documents", "meta", "sync_runs"))
        self._documents_upgraded = False
        self._keys_indexed = False
        self._has_sentences = False

    def _stored_sentences(self) -> list[str]:
        """["sentences"] once the chunks table has the column, else [] (an index from before it answers
        without them until its next sync)."""
        if not self._has_sentences:
            self._has_sentences = self.chunks is not None and "sentences" in self.chunks.schema.names
        return ["sentences"] if self._has_sentences else []

    def _index_keys(self, refresh: bool = False) -> None:
        """Give the chunks and documents tables their key indexes (`KEY_INDEXES`), and with `refresh`
        rebuild those that too many rows written since have outgrown (`KEY_INDEX_STALE_ROWS`).

        Run from the sync's write paths, like `_upgrade_documents`: an index from before these
        indexes existed gets them at its next sync, and a replica that only answers never writes.
        """
        if self._keys_indexed and not refresh:
            return
        for name, columns in KEY_INDEXES.items():
            table = self.table(name)
            if table is None:
                continue
            present = {index.name for index in table.list_indices()}
            for column in columns:
                index = f"{column}_idx"
                if index in present and not (refresh and _outgrown(table.index_stats(index))):
                    continue
                table.create_index(column, config=BTree(), replace=True)
        self._keys_indexed = True

    def _upgrade_documents(self) -> None:
        """Give an index from before documents recorded their access list that column, filled in place.

        Each document's list is copied from its first chunk (a document's chunks always share one),
        so the upgrade embeds nothing. Run from the sync's write paths, not on open: a replica that
        only answers never writes. Rows left empty by an interrupted upgrade are filled next time.
        """
        if self._documents_upgraded:
            return
        table = self.documents
        if "acl" not in table.schema.names:
            table.add_columns(pa.field("acl", pa.list_(pa.string())))
        if self.chunks is not None and table.count_rows("acl IS NULL"):
            first = self.chunks.search().where("ordinal = 0").select(["doc_id", "acl"]).limit(None).to_arrow()
            if first.num_rows:
                self._update_documents({"id": first["doc_id"], "acl": first["acl"]})
            log.info("store.documents_upgraded", documents=first.num_rows, added="acl")
        self._documents_upgraded = True

    def _upgrade_chunks(self) -> None:
        """Give a chunks table from before sentence vectors were stored the (empty) column for them;
        `SyncEngine` fills it in (`chunks_lacking_sentences`), embedding no chunk again."""
        table = self.chunks
        if table is not None and not self._stored_sentences():
            table.add_columns(pa.field("sentences", pa.binary()))
            log.info("store.chunks_upgraded", added="sentences")

    def chunks_lacking_sentences(self, scope: str, limit: int) -> list[tuple[str, str]]:
        """(id, text) of up to `limit` chunks of `scope` whose sentence vectors are not stored yet."""
        self._upgrade_chunks()
        if self.chunks is None:
            return []
        rows = (self.chunks.search().where(f"scope = {quote(scope)} AND sentences IS NULL").select(["id", "text"])
                .limit(limit).to_arrow())
        return list(zip(rows["id"].to_pylist(), rows["text"].to_pylist()))

    def count_lacking_sentences(self) -> int:
        """Chunks whose sentence vectors are not stored yet (all of them in an index from before the
        column): what the next syncs still have to embed, for `kb status`. Reads only."""
        table = self.chunks
        if table is None:
            return 0
        return table.count_rows("sentences IS NULL") if self._stored_sentences() else table.count_rows()

    def set_sentences(self, blobs: Mapping[str, bytes]) -> None:
        """Store sentence vectors for existing chunks (by id), leaving their other columns as they are."""
        if blobs:
            self._index_keys()  # by id, through the index: an older index gets its key indexes here too
            table = pa.table({"id": list(blobs), "sentences": list(blobs.values())},
                             schema=pa.schema([("id", pa.string()), ("sentences", pa.binary())]))
            self.chunks.merge_insert("id").when_matched_update_all().execute(table)

    def _update_documents(self, columns: Mapping[str, Any]) -> None:
        """Overwrite some columns of existing document rows (by id), leaving the others as they are."""
        schema = pa.schema([DOCUMENTS.field(name) for name in columns])
        self.documents.merge_insert("id").when_matched_update_all().execute(pa.table(dict(columns), schema=schema))

    # -- documents ------------------------------------------------------------------------------
    def document_states(self, scope: str) -> dict[str, StoredDocument]:
        """Each indexed document's content hash and access list: what the sync compares a source with."""
        self._upgrade_documents()
        rows = (self.documents.search().where(f"scope = {quote(scope)}").select(["id", "hash", "acl"])
                .limit(None).to_arrow())
        return {doc_id: StoredDocument(digest, acl) for doc_id, digest, acl
                in zip(rows["id"].to_pylist(), rows["hash"].to_pylist(), rows["acl"].to_pylist())}

    def document_versions(self, scope: str) -> dict[str, datetime]:
        """Each document's source-side `updated_at`, so versioned connectors can skip unchanged downloads."""
        rows = self.documents.search().where(f"scope = {quote(scope)}").select(["id", "updated_at"]).limit(None).to_arrow()
        return {doc_id: when for doc_id, when in zip(rows["id"].to_pylist(), rows["updated_at"].to_pylist())
                if when is not None}

    def write_documents(
        self, scope: str, items: Sequence[DocumentWrite]
    ) -> None:
        """Replace each document's chunks (with their vectors and sentence vectors) and record its new hash.

        Chunks are merged by id, then each document's chunks past its new last one are deleted, so
        a reader never sees a changed document with no chunks; a batch whose documents have no chunk
        yet is appended instead (most of a first sync). The document rows (with the new
        hash) are written last, so a batch a crash interrupted anywhere is simply redone by the next
        sync: its documents still carry their old hash.
        """
        if not items:
            return
        self._upgrade_documents()
        self._upgrade_chunks()
        synced = now()
        rows = []
        for document, _, chunks, texts, _, sentences in items:
            for chunk, text, blob in zip(chunks, texts, sentences):
                rows.append(
                    {
                        "id": chunk.id,
                        "doc_id": document.id,
                        "scope": scope,
                        "source": document.source,
                        "ordinal": chunk.ordinal,
                        "title": document.title,
                        "url": document.url,
                        "path": document.path,
                        "section": chunk.section,
                        "anchor": chunk.anchor,
                        "text": chunk.text,
                        "search_text": text,
                        "acl": normalise_acl(document.acl),
                        "updated_at": document.updated_at,
                        "sentences": blob,
                    }
                )
        doc_ids = [document.id for document, *_ in items]
        self._index_keys()
        # The merge adds or replaces the chunks by id, through the id index; then the document's
        # chunks past its new last one go (it got shorter, or a crashed run left them). A reader
        # between the two sees the new chunks and some stale ones, never a document without chunks.
        # Documents with no chunk yet (a first sync) are appended: a merge costs more memory and time
        # as the table grows (benchmarks/sync_memory_bench.py), an append does not. Checking first is
        # safe because one sync at a time writes an index (bot/index/sync_lock.py), across machines too.
        table = _chunk_table(self.chunks.schema, rows, [item.vectors for item in items])
        stale = in_list("doc_id", doc_ids)
        if self.chunks.count_rows(stale) == 0:
            self.chunks.add(table)  # new documents (a first sync): nothing to match or to delete
        else:
            self.chunks.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(table)
            self.chunks.delete(f"{stale} AND NOT {in_list('id', [row['id'] for row in rows])}" if rows else stale)
        records = pa.Table.from_pylist(
            [
                {
                    "id": document.id,
                    "scope": scope,
                    "source": document.source,
                    "hash": digest,
                    "title": document.title,
                    "url": document.url,
                    "path": document.path,
                    "updated_at": document.updated_at,
                    "synced_at": synced,
                    "chunks": len(chunks),
                    "acl": normalise_acl(document.acl),
                }
                for document, digest, chunks, *_ in items
            ],
            schema=DOCUMENTS,
        )
        self.documents.merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(records)
        self._index_keys(refresh=True)

    def set_acls(self, acls: Mapping[str, Iterable[str]], batch: int = 500) -> None:
        """Give documents new access lists in place: their chunks keep text and vectors, nothing is embedded.

        The chunks, where answers are filtered, change first, all of one document's in one update,
        then the documents' record of it; a crash in between leaves a difference the next sync's
        comparison finds and writes again.
        """
        if not acls:
            return
        self._upgrade_documents()
        stored = {doc_id: normalise_acl(acl) for doc_id, acl in acls.items()}
        by_acl: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for doc_id, acl in stored.items():
            by_acl[tuple(acl)].append(doc_id)
        if self.chunks is not None:
            for acl, ids in by_acl.items():
                value = f"make_array({', '.join(quote(principal) for principal in acl)})"
                for start in range(0, len(ids), batch):
                    self.chunks.update(where=in_list("doc_id", ids[start : start + batch]), values_sql={"acl": value})
        self._update_documents({"id": list(stored), "acl": list(stored.values())})

    def set_hashes(self, hashes: Mapping[str, str]) -> None:
        """Record documents' content hashes without touching their chunks (an older index's rows, re-hashed)."""
        if hashes:
            self._upgrade_documents()
            self._update_documents({"id": list(hashes), "hash": list(hashes.values())})

    def delete_documents(self, ids: Iterable[str], batch: int = 500) -> int:
        ids = list(ids)
        for start in range(0, len(ids), batch):
            part = ids[start : start + batch]
            if self.chunks is not None:
                self.chunks.delete(in_list("doc_id", part))
            self.documents.delete(in_list("id", part))
        return len(ids)

    def count_documents(self, scope: str | None = None) -> int:
        return self.documents.count_rows(f"scope = {quote(scope)}" if scope else None)

    def count_chunks(self) -> int:
        return self.chunks.count_rows() if self.chunks is not None else 0

    # -- sync runs ------------------------------------------------------------------------------
    def record_run(self, scope: str, started: datetime, ok: bool, cursor: datetime | None, summary: dict) -> None:
        self.table("sync_runs", SYNC_RUNS).add(
            [{"scope": scope, "started_at": started, "finished_at": now(), "ok": ok, "cursor": cursor,
              "summary": json.dumps(summary, default=str)}]
        )

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The latest run per scope, and when that scope last succeeded."""
        table = self.table("sync_runs")
        if table is None:
            return {}
        latest: dict[str, dict[str, Any]] = {}
        for row in sorted(table.to_arrow().to_pylist(), key=lambda r: r["started_at"]):
            entry = latest.setdefault(row["scope"], {"last_success": None, "cursor": None})
            entry.update(last_run=row["finished_at"], ok=row["ok"], summary=json.loads(row["summary"]))
            if row["ok"]:
                entry["last_success"], entry["cursor"] = row["finished_at"], row["cursor"]
        return latest

    def cursor(self, scope: str) -> datetime | None:
        return self.last_runs().get(scope, {}).get("cursor")

    # -- indexes and search ---------------------------------------------------------------------
    def optimize(self) -> None:
        """Build missing indexes, fold new rows into existing ones, compact files, drop old versions."""
        table = self.chunks
        if table is None or table.count_rows() == 0:
            return
        names = {index.name for index in table.list_indices()}
        if "search_text_idx" not in names:
            table.create_index("search_text", config=FULL_TEXT_INDEX)
        if "acl_idx" not in names:
            # Both legs prefilter on the asker's access (`array_has_any(acl, ...)`): through this
            # index instead of reading every row's list (benchmarks/scale_bench.py, README).
            table.create_index("acl", config=LabelList())
        if "vector_idx" not in names and table.count_rows() >= VECTOR_INDEX_MIN_ROWS:
            table.create_index("vector", config=vector_index())
        table.optimize()
        self.documents.optimize()

    def chunks_version(self) -> int | None:
        """The chunks table's version: changes with every write, so what is learnt from the chunks keys on it."""
        return None if self.chunks is None else int(self.chunks.version)

    def word_counts(self, words: list[str], limit: int = 100) -> Counter[str]:
        """How often each of `words` occurs in the chunks that full-text search finds for them (at most
        `limit`): enough to tell a runbook word from a typo without reading the whole index."""
        wanted = {word.lower() for word in words}
        found: Counter[str] = Counter()
        for row in self._full_text(" ".join(sorted(wanted)), limit, ["search_text"]):
            found.update(word for word in _WORDS.findall(row["search_text"].lower()) if word in wanted)
        return found

    def search_vector(self, vector: np.ndarray, limit: int, where: str | None = None) -> list[Hit]:
        if self.chunks is None:
            return []
        query = self.chunks.search(vector, vector_column_name="vector").distance_type("cosine").limit(limit)
        if where:
            query = query.where(where, prefilter=True)
        rows = query.select([*_RESULT_COLUMNS, "_distance"]).to_list()
        return [Hit(row, 1.0 - float(row.pop("_distance"))) for row in rows]

    def mentions(self, word: str) -> bool:
        """Whether any chunk holds `word`, as the full-text index matches it (stemmed, accents folded),
        whoever may read that chunk: "is X in the runbooks at all" leaks nothing when the answer is no."""
        return self.chunks_mentioning(word, 1) > 0

    def chunks_mentioning(self, word: str, most: int, where: str | None = None) -> int:
        """How many chunks the asker may read hold `word` (as `mentions` matches it), counted up to `most`: a
        word few chunks hold names something particular, one most pages hold does not."""
        return len(self._full_text(word, most, ["id"], where))

    def section_chunks(self, keys: Iterable[tuple[str, str]],
                       where: str | None = None) -> dict[tuple[str, str], list[ChunkText]]:
        """Every chunk of each (doc_id, section), text and sentence vectors, in document order, in one query.

        Retrieval returns chunks, but a reader needs the section: a procedure's steps 1-2 may sit in
        the chunk before the one that matched, and the model should see the rule's whole section.
        `where` is the asker's access filter, applied here too.
        """
        keys = list(dict.fromkeys(keys))
        if self.chunks is None or not keys:
            return {}
        condition = " OR ".join(f"(doc_id = {quote(doc)} AND section = {quote(section)})" for doc, section in keys)
        if where:
            condition = f"({condition}) AND ({where})"
        columns = ["doc_id", "section", "ordinal", "text", *self._stored_sentences()]
        rows = self.chunks.search().where(condition).select(columns).limit(None).to_list()
        out: dict[tuple[str, str], list[ChunkText]] = {}
        for row in sorted(rows, key=lambda row: row["ordinal"]):
            out.setdefault((row["doc_id"], row["section"]), []).append(ChunkText(row["text"], row.get("sentences")))
        return out

    def document_chunks(self, doc_ids: Sequence[str], where: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """Every chunk row of each document (vectors and sentence vectors included), in document order,
        under the asker's filter, in one query (each query costs about 10 ms whatever it reads). The
        searches leave the sentence vectors out: 50 results a leg would read 180 KB of them, and the
        answer reads them here, for the documents it cites.

        Retrieval caps the chunks it returns per document, and the chunk holding the fact asked for
        often ranks below two others of the same page; the answer re-reads the pages it cites.
        """
        if self.chunks is None or not doc_ids:
            return {}
        condition = in_list("doc_id", doc_ids) + (f" AND ({where})" if where else "")
        columns = [*_RESULT_COLUMNS, *self._stored_sentences(), "ordinal"]
        rows = self.chunks.search().where(condition).select(columns).limit(None).to_list()
        out: dict[str, list[dict[str, Any]]] = {}
        for row in sorted(rows, key=lambda row: row["ordinal"]):
            del row["ordinal"]  # read for the order only: the rows are the search results' columns
            out.setdefault(row["doc_id"], []).append(row)
        return out

    def section_text(self, doc_id: str, section: str, where: str | None = None) -> str:
        """One section's whole text (see `section_chunks`)."""
        parts = self.section_chunks([(doc_id, section)], where).get((doc_id, section), [])
        return "\n\n".join(part.text for part in parts)

    def search_both(self, vector: np.ndarray, text: str, limit: int,
                    where: str | None = None) -> tuple[list[Hit], list[Hit]]:
        """Both legs of a hybrid search, the full-text one on another thread while this one runs the
        vector one: LanceDB does each in native code without the GIL and keeps about one core busy per
        query, so on two cores the pair takes about as long as the slower leg, not their sum
        (`benchmarks/scale_bench.py`, README)."""
        text_leg = _LEGS.submit(self.search_text, text, limit, where)
        try:
            vector_hits = self.search_vector(vector, limit, where)
        finally:
            text_hits = text_leg.result()
        return vector_hits, text_hits

    def search_text(self, text: str, limit: int, where: str | None = None) -> list[Hit]:
        rows = self._full_text(text, limit, [*_RESULT_COLUMNS, "_score"], where)
        return [Hit(row, float(row.pop("_score"))) for row in rows]

    def _full_text(self, text: str, limit: int, columns: list[str], where: str | None = None) -> list[dict[str, Any]]:
        if self.chunks is None or not text.strip():
            return []
        query = self.chunks.search(text, query_type="fts", fts_columns="search_text").limit(limit)
        if where:
            query = query.where(where, prefilter=True)
        try:  # `_score` always selected: LanceDB warns on stderr at every query that leaves it out
            rows = query.select(columns if "_score" in columns else [*columns, "_score"]).to_list()
        except Exception as error:  # no FTS index yet (nothing synced) or a query the parser rejects
            log.debug("store.fts_failed", error=str(error))
            return []
        if "_score" not in columns:
            for row in rows:
                row.pop("_score", None)
        return rows


_LEGS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="kb-search")
"""Threads for the full-text leg of hybrid searches (`Store.search_both`): one per answer in flight."""


def _outgrown(stats: Any) -> bool:
    """Whether a key index leaves enough rows uncovered to be rebuilt (see `KEY_INDEX_STALE_ROWS`)."""
    return stats is None or stats.num_unindexed_rows > max(KEY_INDEX_STALE_ROWS, math.isqrt(500 * stats.num_indexed_rows))


def _chunk_table(schema: pa.Schema, rows: list[dict[str, Any]], vectors: list[np.ndarray]) -> pa.Table:
    """The chunk rows with their vectors as one Arrow column, straight from numpy: no vector becomes a
    Python list of floats and back (a million objects per 2,600 chunks)."""
    column = schema.field("vector")
    others = pa.schema([field for field in schema if field.name != "vector"])
    table = pa.Table.from_pylist(rows, schema=others) if rows else others.empty_table()
    flat = np.concatenate([np.asarray(block, dtype=np.float32).reshape(-1) for block in vectors]) if rows else \
        np.zeros(0, dtype=np.float32)
    array = pa.FixedSizeListArray.from_arrays(pa.array(flat, type=pa.float32()), column.type.list_size)
    return table.add_column(schema.get_field_index("vector"), column, array)


_WORDS = re.compile(r"[a-z]+")
_RESULT_COLUMNS = ["id", "doc_id", "source", "title", "url", "path", "section", "anchor", "text", "updated_at", "vector"]
