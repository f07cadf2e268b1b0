"""LLM backends for the contract tests, each built once per session: the real default GGUF, a tiny
random Hugging Face model saved here, and a local OpenAI-compatible stub server."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rag.llm import LLM, load_llm
from rag.settings import Settings

TINY_WORDS = (
    "yes no hello world the a of to and is in it you that was for on are with as i his they be at one have "
    "this from or had by word but what some we can out other were all there when up use your how said an "
    "each she which do their time if will way about many then them write would like so these her long make "
    "thing see him two has look more day could go come did number sound most people my over know water "
    "than call first who may down side been now find any new work part take get place made live where after "
    "back little only round man year came show every good me give our under name very through just form "
    "sentence great think say help low line differ turn cause much mean before move right boy old too same"
).split()
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="session")
def gguf_llm() -> LLM:
    """The real default model (qwen2.5-coder-1.5b through llama.cpp), as the app loads it."""
    settings = Settings()
    assert settings.llm.backend == "llama_cpp", "the contract test expects the default backend"
    return load_llm(settings.llm, settings.models)


@pytest.fixture(scope="session")
def tiny_hf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 2-layer Qwen2 with a byte-level BPE tokenizer and a ChatML template, saved like a real
    model (transformers rebuilds a qwen2 model's tokenizer as Qwen2Tokenizer, so it must be BPE)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    path = tmp_path_factory.mktemp("tiny-qwen2")
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    backend.train_from_iterator([" ".join(TINY_WORDS)] * 4, trainer)
    vocab = backend.get_vocab()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<|endoftext|>", eos_token="<|im_end|>",
        additional_special_tokens=["<|im_start|>"],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(path)

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=len(vocab), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        tie_word_embeddings=False, eos_token_id=vocab["<|im_end|>"], pad_token_id=vocab["<|endoftext|>"],
        bos_token_id=None,
    )
    model = Qwen2ForCausalLM(config)
    # Only whole space-led word tokens may win: other tokens get logit 0, words large random ones (some
    # far above 0). So the reply is never empty (no early EOS, nothing skip_special_tokens hides), and it
    # re-tokenises to the same count (no stray bytes that decode to U+FFFD), even when sampling.
    words = [i for tok, i in vocab.items() if re.fullmatch(r"Ġ[a-z]+", tok)]
    assert len(words) > 50
    with torch.no_grad():
        scaled = model.lm_head.weight[words] * 300
        model.lm_head.weight.zero_()
        model.lm_head.weight[words] = scaled
    model.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_hf_llm(tiny_hf_dir: Path) -> LLM:
    settings = Settings(llm_backend="transformers", llm_model=str(tiny_hf_dir), context_tokens=512)
    return load_llm(settings.llm, settings.models)


class StubServer:
    """/v1/chat/completions with stream=true: answers "Yes" to a yes-prompt, else "to be or no …", one SSE
    chunk (one "token") a word, max_tokens of them. Records each request body."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the body ends when the connection closes

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append({"path": self.path, **body})
                if self.path != "/v1/chat/completions" or not body.get("stream"):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in stub.reply(body):
                    self.wfile.write(f"data: {json.dumps(stub.chunk(body, piece))}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def reply(body: dict[str, Any]) -> list[str]:
        last = body["messages"][-1]["content"]
        if last.strip().lower().endswith("the single word: yes"):
            return ["Yes"]
        words = ["to ", "be ", "or ", "no "]
        return [words[i % 4] for i in range(min(body.get("max_tokens", 16), 64))]

    @staticmethod
    def chunk(body: dict[str, Any], piece: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}],
        }


@pytest.fixture(scope="session")
def stub_server() -> Iterator[StubServer]:
    server = StubServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(scope="session")
def openai_llm(stub_server: StubServer) -> LLM:
    settings = Settings(llm_backend="openai", llm_base_url=stub_server.url, llm_model="stub-model",
                        context_tokens=8192)
    return load_llm(settings.llm, settings.models)
