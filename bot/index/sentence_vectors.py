"""Each chunk's sentence vectors, embedded by the sync and stored with the chunk.

Picking what to quote scores every candidate sentence by meaning. Embedding those sentences when
a question comes was most of an answer's time on a CPU, and it limited how much of a document the
answer could afford to read; embedded once at sync time, with the chunk, they cost a lookup.

A chunk's vectors are one blob: a tag, a checksum of the sentences they were embedded from, and the
vectors as float16 rows (a 384-dimension sentence takes 768 bytes; the ranking of a few dozen
sentences by cosine does not notice the precision). The checksum ties the blob to the splitter
that made it: if `sentences_of` ever splits a text differently, the stored vectors no longer
match and the answer embeds those sentences itself, as it did before vectors were stored.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import MappingProxyType

import numpy as np

from bot.index.sentences import sentences_of

_TAG = b"kbs1"
_HEADER = len(_TAG) + 4
_NONE: Mapping[str, np.ndarray] = MappingProxyType({})


def _checksum(sentences: list[str]) -> bytes:
    return zlib.crc32("\n".join(sentences).encode()).to_bytes(4, "little")


def pack(sentences: list[str], vectors: np.ndarray) -> bytes:
    """The blob stored for a chunk whose `sentences` (as `sentences_of` gives them) have `vectors`."""
    return _TAG + _checksum(sentences) + np.asarray(vectors, dtype=np.float16).tobytes()


DECODED_CHUNKS = 4096
"""Chunks whose decoded sentence vectors are kept (about 30 MB): each answer reads every chunk of
the documents it cites, and popular questions cite the same documents."""


@lru_cache(maxsize=DECODED_CHUNKS)
def unpack(text: str, blob: bytes | None) -> Mapping[str, np.ndarray]:
    """The stored vector of each sentence of `text`, or nothing when `blob` is missing or was made
    from a different split of it (read only: it is shared by every caller asking for the same chunk)."""
    if not blob or blob[: len(_TAG)] != _TAG:
        return _NONE
    sentences = sentences_of(text)
    body = np.frombuffer(blob, dtype=np.float16, offset=_HEADER)
    if not sentences or blob[len(_TAG) : _HEADER] != _checksum(sentences) or body.size % len(sentences):
        return _NONE
    vectors = body.reshape(len(sentences), -1).astype(np.float32)
    vectors.flags.writeable = False
    return MappingProxyType(dict(zip(sentences, vectors)))


def known(stored: Iterable[tuple[str, bytes | None]]) -> dict[str, np.ndarray]:
    """Every sentence vector stored for these (chunk text, blob) pairs, by sentence."""
    found: dict[str, np.ndarray] = {}
    for text, blob in stored:
        found.update(unpack(text, blob))
    return found


def embed_with_sentences(embed, texts: list[str],  # noqa: ANN001 - Embedder.embed_documents
                         chunk_texts: list[str]) -> tuple[np.ndarray, list[bytes], int]:
    """The vectors of `texts` (what the index searches), the sentence blob of each of `chunk_texts`, and
    how many sentences were embedded, from one call to `embed`: each distinct sentence is embedded
    once, in the same length-sorted batches as the chunks."""
    split = [sentences_of(text) for text in chunk_texts]
    unique = list(dict.fromkeys(sentence for sentences in split for sentence in sentences))
    vectors = np.asarray(embed([*texts, *unique]), dtype=np.float32)
    by_sentence: Mapping[str, np.ndarray] = dict(zip(unique, vectors[len(texts):]))
    blobs = [pack(sentences, np.stack([by_sentence[sentence] for sentence in sentences])) if sentences else b""
             for sentences in split]
    return vectors[: len(texts)], blobs, len(unique)
