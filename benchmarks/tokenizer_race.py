"""Reproduces the shared-tokenizer race between the sync's parse thread and its encoder.

`SentenceTransformerEmbedder.count/windows` (called by the chunker in the parse thread) and
`SentenceTransformer.encode` (main thread) use the same fast tokenizer, and every call rewrites its
padding/truncation state. Run concurrently, as `ingest.sync` does, the encoder can receive an
unpadded batch ("Unable to create tensor ...") and the chunker can get padded or truncated counts.

    .venv/bin/python benchmarks/tokenizer_race.py [--seconds 20] [--private]

`--private` gives the chunker its own copy of the tokenizer (the proposed fix): no error expected.
"""

from __future__ import annotations

import copy
import threading
import time

from common import arguments


def main() -> int:
    ap = arguments(__doc__, eval_dir=False, json_out=False)
    ap.add_argument("--seconds", type=float, default=20.0, help="how long the two threads race")
    ap.add_argument("--private", action="store_true", help="chunker gets its own tokenizer copy")
    args = ap.parse_args()

    from rag.embeddings import load_embedder
    from rag.settings import Settings

    emb = load_embedder(Settings())
    if args.private:
        emb.tokenizer = copy.deepcopy(emb.model.tokenizer)
    units = [("word " * n).strip() for n in range(1, 400, 7)]  # 1..393 tokens each
    expected = [len(u.split()) for u in units]
    texts = [("token " * n).strip() for n in (5, 60, 120, 250, 30, 90, 200, 10)] * 4
    stop = time.monotonic() + args.seconds
    wrong_counts = [0]
    count_calls = [0]

    def chunker() -> None:
        while time.monotonic() < stop:
            got = emb.count(units)
            count_calls[0] += 1
            if got != expected:
                wrong_counts[0] += 1

    t = threading.Thread(target=chunker, daemon=True)
    t.start()
    batches = errors = 0
    first_error = ""
    while time.monotonic() < stop:
        try:
            emb.embed_documents(texts)
        except Exception as e:
            errors += 1
            first_error = first_error or f"{type(e).__name__}: {str(e)[:120]}"
        batches += 1
    t.join()
    mode = "private chunker tokenizer" if args.private else "shared tokenizer (as shipped)"
    print(f"{mode}: {batches} encode calls, {errors} failed; {count_calls[0]} count calls, "
          f"{wrong_counts[0]} returned wrong token counts")
    if first_error:
        print(f"first error: {first_error}")
    return 1 if errors or wrong_counts[0] else 0


if __name__ == "__main__":
    raise SystemExit(main())
