"""Encoder variants for ingest: how much faster than torch fp32 can the same MiniLM run on this CPU?

Chunks real documents with the project's own parser and chunker, then encodes the same chunk texts
(batch size from settings, torch threads from settings) with:

  torch-fp32       SentenceTransformer.encode, what the sync uses today (the reference)
  torch-int8       torch dynamic quantisation of the Linear layers (qint8), same SentenceTransformer
  ort-fp32         the transformer exported to ONNX (TorchScript exporter), run by onnxruntime
  ort-int8         that ONNX file with onnxruntime dynamic int8 quantisation (needs the `onnx` package)

and reports chunks/s, speed-up, and fidelity against torch-fp32: cosine of each vector to its
reference, and how many of each chunk's 10 nearest chunks (among the sample) stay the same.

    .venv/bin/python benchmarks/encoder_variants.py [--eval-dir DIR | --docs DIR ...] [--chunks N] [--json OUT]

The default documents are financebench/docs and xquad_en_wiki/pdf of the eval folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from common import arguments, work_dir, write_json

DEFAULT_DOCS = ("financebench/docs", "xquad_en_wiki/pdf")  # in the eval folder


def sample_chunks(dirs: list[Path], embedder: Any, settings: Any, limit: int) -> list[str]:
    """Embed texts exactly as the sync builds them, taken round-robin over the files."""
    from ingest.chunking import chunk_blocks
    from ingest.parsers import parse
    from ingest.sync import chunk_settings
    from rag.errors import ParseError

    cfg = chunk_settings(settings, embedder)
    per_file: list[list[str]] = []
    for d in dirs:
        for f in sorted(d.iterdir()):
            if f.suffix.lower() not in {".pdf", ".docx"}:
                continue
            try:
                doc = parse(f)
            except ParseError:
                continue
            chunks = chunk_blocks(doc.blocks, f.stem, embedder, cfg)
            per_file.append([c.embed_text for c in chunks])
            if sum(len(x) for x in per_file) >= 4 * limit:
                break
    texts: list[str] = []
    i = 0
    while len(texts) < limit and any(i < len(x) for x in per_file):
        texts += [x[i] for x in per_file if i < len(x)]
        i += 1
    return texts[:limit]


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(np.float32)
    v = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def ort_encoder(
    onnx_path: Path, tokenizer: Any, max_len: int, batch: int, threads: int
) -> Callable[..., Any]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}

    def encode(texts: list[str]) -> np.ndarray:
        order = np.argsort([-len(t) for t in texts])  # like SentenceTransformer: long first, less padding
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for i in range(0, len(texts), batch):
            idx = order[i : i + batch]
            enc = tokenizer([texts[j] for j in idx], padding=True, truncation=True, max_length=max_len,
                            return_tensors="np")
            feed = {k: v.astype(np.int64) for k, v in enc.items() if k in names}
            hidden = sess.run(None, feed)[0]
            out[idx] = mean_pool(hidden, enc["attention_mask"])
        return out

    return encode


def export_onnx(model_path: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    tok = AutoTokenizer.from_pretrained(str(model_path))
    model = Hidden(AutoModel.from_pretrained(str(model_path)).eval())
    dummy = tok(["a short text", "a somewhat longer text for the dummy"], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "seq"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "seq"}
    with torch.no_grad():
        torch.onnx.export(
            model, (dummy["input_ids"], dummy["attention_mask"], dummy["token_type_ids"]), str(out),
            input_names=names, output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17,
            dynamo=False,
        )


def fidelity(ref: np.ndarray, got: np.ndarray, k: int = 10) -> dict[str, float]:
    cos = (ref * got).sum(1)
    sim_ref, sim_got = ref @ ref.T, got @ got.T
    np.fill_diagonal(sim_ref, -2)
    np.fill_diagonal(sim_got, -2)
    top_ref = np.argsort(-sim_ref, axis=1)[:, :k]
    top_got = np.argsort(-sim_got, axis=1)[:, :k]
    overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(top_ref, top_got, strict=True)])
    return {"cos_mean": round(float(cos.mean()), 5), "cos_min": round(float(cos.min()), 5),
            f"top{k}_overlap": round(float(overlap), 4)}


def main() -> int:
    ap = arguments(__doc__)
    ap.add_argument("--docs", type=Path, action="append", help="folder of PDF/DOCX files (repeatable)")
    ap.add_argument("--chunks", type=int, default=1024, help="chunks to encode per variant")
    args = ap.parse_args()

    import torch

    from rag.embeddings import load_embedder
    from rag.models import resolve_embedding
    from rag.settings import Settings

    settings = Settings()
    embedder = load_embedder(settings)
    threads, batch = settings.embedding.threads, settings.embedding.batch_size
    torch.set_num_threads(threads)
    texts = sample_chunks(args.docs or [args.eval_dir / d for d in DEFAULT_DOCS], embedder, settings, args.chunks)
    st = embedder.model
    max_len = int(st.max_seq_length or st.tokenizer.model_max_length)
    print(f"{len(texts)} chunks, torch threads {threads}, batch {batch}", flush=True)

    results: dict[str, dict[str, Any]] = {}
    vectors: dict[str, np.ndarray] = {}

    def run(name: str, fn: Callable[[list[str]], np.ndarray]) -> None:
        fn(texts[:batch])  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        vectors[name] = np.asarray(fn(texts), dtype=np.float32)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        results[name] = {"seconds": round(secs, 2), "chunks_per_s": round(len(texts) / secs, 2),
                         "own_cpu_s": round(cpu, 2)}
        print(f"  {name:<10} {secs:7.1f} s  {len(texts) / secs:7.1f} chunks/s  cpu {cpu:.1f} s", flush=True)

    def st_encode(model: Any) -> Callable[[list[str]], np.ndarray]:
        return lambda t: model.encode(t, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True)

    run("torch-fp32", st_encode(st))
    from sentence_transformers import SentenceTransformer

    path = resolve_embedding(settings.embedding.model, settings.models.dir)
    q = SentenceTransformer(str(path), device="cpu")
    q = torch.ao.quantization.quantize_dynamic(q, {torch.nn.Linear}, dtype=torch.qint8)
    run("torch-int8", st_encode(q))

    with work_dir(None, "encoder-variants-") as work:
        onnx_path = work / "model.onnx"
        try:
            export_onnx(path, onnx_path)
            run("ort-fp32", ort_encoder(onnx_path, st.tokenizer, max_len, batch, threads))
        except Exception as e:
            print(f"  ort-fp32 skipped: {type(e).__name__}: {e}")
        if onnx_path.exists():
            try:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                int8_path = work / "model.int8.onnx"
                quantize_dynamic(str(onnx_path), str(int8_path), weight_type=QuantType.QInt8)
                run("ort-int8", ort_encoder(int8_path, st.tokenizer, max_len, batch, threads))
            except Exception as e:
                print(f"  ort-int8 skipped: {type(e).__name__}: {e}")

    ref = vectors["torch-fp32"]
    base = results["torch-fp32"]["seconds"]
    head = ("variant", "chunks/s", "speed-up", "cos mean", "cos min", "top10 same")
    print("\n" + head[0].ljust(12) + "".join(h.rjust(11) for h in head[1:]))
    for name, res in results.items():
        res["speedup"] = round(base / res["seconds"], 2)
        res.update(fidelity(ref, vectors[name]))
        cells = (res["chunks_per_s"], res["speedup"], res["cos_mean"], res["cos_min"], res["top10_overlap"])
        print(name.ljust(12) + "".join(str(c).rjust(11) for c in cells))
    write_json(args.json, {"chunks": len(texts), "threads": threads, "batch": batch, "variants": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
