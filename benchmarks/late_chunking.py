"""An experiment, not the product: sentence vectors pooled from each chunk's token vectors ("late chunking").

    .venv/bin/python benchmarks/late_chunking.py DATA_DIR_COPY
    .venv/bin/kb eval QUESTIONS.jsonl --data-dir DATA_DIR_COPY

The sync embeds each sentence of a chunk alone besides the chunk (`bot.index.sentence_vectors`),
which doubles its encode time. One pass of the model over the chunk's sentences, its token vectors
averaged over each sentence's span, would give sentence vectors at no extra cost; this script writes
such vectors into the `sentences` column of an index (a copy: it overwrites what the sync stored), so
`kb eval` measures the quotes they give. It runs the model with torch (the ONNX export gives only the
pooled vector). A sentence cut off by the model's 256-token limit is embedded alone.

Session 41 measured the same idea built into the sync (the ONNX graph giving token vectors, each sentence's
words found in the chunk's search text): the answers lost again (README, session 41), so the sync embeds each
sentence alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.index import sentence_vectors  # noqa: E402
from bot.index.embedding import default_model_path  # noqa: E402
from bot.index.sentences import sentences_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", help="a copy of a synced index: its sentence vectors are replaced")
    args = parser.parse_args()
    import lancedb
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(default_model_path(), device="cpu")
    table = lancedb.connect(args.data_dir).open_table("chunks")
    rows = table.search().select(["id", "text"]).limit(None).to_list()
    blobs: dict[str, bytes] = {}
    started = time.perf_counter()
    for row in rows:
        sentences = sentences_of(row["text"])
        if not sentences:
            blobs[row["id"]] = b""
            continue
        joined = "\n".join(sentences)
        ends = np.cumsum([len(sentence) + 1 for sentence in sentences]).tolist()
        spans = [(end - len(sentence) - 1, end - 1) for end, sentence in zip(ends, sentences)]
        encoded = model.tokenizer(joined, return_offsets_mapping=True, truncation=True,
                                  max_length=model.max_seq_length, return_tensors="pt")
        offsets = encoded.pop("offset_mapping")[0].tolist()
        with torch.no_grad():
            tokens = model[0].auto_model(**encoded).last_hidden_state[0].numpy()
        vectors = []
        for low, high in spans:
            inside = [i for i, (start, end) in enumerate(offsets) if end > start and start >= low and end <= high]
            if inside:
                vector = tokens[inside].mean(axis=0)
                vectors.append(vector / np.linalg.norm(vector))
            else:
                vectors.append(model.encode([joined[low:high]], normalize_embeddings=True)[0])
        blobs[row["id"]] = sentence_vectors.pack(sentences, np.stack(vectors))
    seconds = time.perf_counter() - started
    update = pa.table({"id": list(blobs), "sentences": list(blobs.values())},
                      schema=pa.schema([("id", pa.string()), ("sentences", pa.binary())]))
    table.merge_insert("id").when_matched_update_all().execute(update)
    print(f"{len(rows)} chunks: sentence vectors pooled from one pass each in {seconds:.0f} s (torch, CPU)")


if __name__ == "__main__":
    main()
