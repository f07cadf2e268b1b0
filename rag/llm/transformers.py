"""Hugging Face causal LMs from a local folder; on a CUDA GPU loaded in 4-bit NF4 with bitsandbytes.

Never save a 4-bit model after it has run: it reloads wrong, silently (bitsandbytes #2078).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.llm.base import GenerationConfig, Message


class TransformersLLM:
    def __init__(self, model_path: Path, *, context_tokens: int, threads: int) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(max(1, threads))
        self.name = model_path.name
        self.context_tokens = context_tokens
        self.tokenizer: Any = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
        kwargs: dict[str, Any] = {"local_files_only": True}
        if torch.cuda.is_available():
            from transformers import BitsAndBytesConfig

            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.float16
            )
            kwargs["device_map"] = "auto"
        else:
            # transformers 5 keeps the checkpoint's dtype unless told; bf16 matmuls are 4x slower on these CPUs.
            kwargs["dtype"] = torch.float32
        self.model: Any = AutoModelForCausalLM.from_pretrained(model_path, **kwargs)
        self.model.eval()

    def stream(self, messages: list[Message], config: GenerationConfig) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        inputs = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        ).to(self.model.device)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        sampling = config.temperature > 0
        kwargs = dict(
            **inputs,
            streamer=streamer,
            max_new_tokens=config.max_tokens,
            do_sample=sampling,
            repetition_penalty=config.repeat_penalty,
            pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
        )
        if sampling:
            kwargs.update(temperature=config.temperature, top_p=config.top_p)
        worker = threading.Thread(target=self.model.generate, kwargs=kwargs, daemon=True)
        worker.start()
        for piece in streamer:
            if piece:
                yield piece
        worker.join()

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
