"""An index as releases before in-place access lists left it, made from one written by the current code.

Those releases hashed a document's content and access list together and kept no access list on the
documents table. Rewriting those two things is all that differs on disk (chunks are the same), so an
upgrade can be tested against a real index without the old code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import lancedb
import pyarrow as pa

from connectors.base import Document, normalise_principal


def old_hash(document: Document) -> str:
    """The content hash as those releases computed it: title, URL, path, text and access list."""
    digest = hashlib.sha256()
    acl = "\x1f".join(sorted({normalise_principal(p) for p in document.acl}))
    for part in (document.title, document.url, document.path, document.text, acl):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def rewrite_as_before(data_dir: str, documents: Iterable[Document]) -> None:
    """Turn the index at `data_dir` into what an older release would have written for `documents`."""
    table = lancedb.connect(data_dir).open_table("documents")
    table.drop_columns(["acl"])
    documents = list(documents)
    table.merge_insert("id").when_matched_update_all().execute(
        pa.table({"id": [d.id for d in documents], "hash": [old_hash(d) for d in documents]})
    )


def drop_sentence_vectors(data_dir: str) -> None:
    """Turn the index at `data_dir` into what releases before stored sentence vectors wrote: no such column."""
    lancedb.connect(data_dir).open_table("chunks").drop_columns(["sentences"])
