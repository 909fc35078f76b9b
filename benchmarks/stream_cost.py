"""Streaming cost per token: the raw floor, the core clients, both adapters, framework floors.

One answer of N tokens (default 20,000) from the emulator's fast model, the emulator running in
its own process. For each variant: client process CPU time per token (median of the runs) and
wall time. Ratios against the floors are what count:

* core (sync/async) vs the raw floor (curl_cffi POST, read lines, json.loads, strip padding);
* each adapter vs (core + that framework's own fake streaming model with the same tokens).

    python benchmarks/stream_cost.py [--tokens 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from _emulator import emulator_process

MODEL = "fake/fast"


def _send_args(base: str, created: Any) -> dict[str, Any]:
    """The raw send request after a raw create: URL, multipart body, cookie and Origin."""
    cookie = created.headers.get("set-cookie", "").split(";")[0]
    conv = created.json()
    root = json.loads(conv["conversation"])["json"]["rootMessageId"]
    data = json.dumps({"inputs": "go", "id": root, "selectedMcpServerNames": []})
    body = b'--b\r\nContent-Disposition: form-data; name="data"\r\n\r\n' + data.encode()
    return {
        "url": f"{base}/conversation/{conv['conversationId']}",
        "data": body + b"\r\n--b--\r\n",
        "headers": {
            "cookie": cookie,
            "origin": base,
            "content-type": "multipart/form-data; boundary=b",
        },
        "stream": True,
    }


class _Floor:
    """The floor's per-chunk work: split lines, json.loads, strip padding, count tokens."""

    def __init__(self) -> None:
        self.buf = b""
        self.tokens = 0

    def feed(self, chunk: bytes) -> None:
        self.buf += chunk
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            if line.strip():
                u = json.loads(line)
                if u.get("type") == "stream":
                    u["token"].replace("\x00", "")
                    self.tokens += 1


def raw_floor(base: str, tokens: int) -> int:
    from curl_cffi import requests as curl

    with curl.Session(impersonate="chrome") as s:
        created = s.post(f"{base}/conversation", json={"model": MODEL}, discard_cookies=True)
        resp = s.post(**_send_args(base, created))
        floor = _Floor()
        for chunk in resp.iter_content():
            floor.feed(chunk)
        resp.close()
        return floor.tokens


def raw_floor_async(base: str, tokens: int) -> int:
    from curl_cffi import requests as curl

    async def go() -> int:
        async with curl.AsyncSession(impersonate="chrome") as s:
            created = await s.post(
                f"{base}/conversation", json={"model": MODEL}, discard_cookies=True
            )
            resp = await s.post(**_send_args(base, created))
            floor = _Floor()
            async for chunk in resp.aiter_content():
                floor.feed(chunk)
            await resp.aclose()
            return floor.tokens

    return asyncio.run(go())


def core_sync(base: str, tokens: int) -> int:
    from hfchat import HuggingChatClient, TextDelta

    n = 0
    with HuggingChatClient(base_url=base, model=MODEL) as c:
        for ev in c.stream_chat("go"):
            if type(ev) is TextDelta:
                n += 1
    return n


def core_async(base: str, tokens: int) -> int:
    from hfchat import AsyncHuggingChatClient, TextDelta

    async def go() -> int:
        n = 0
        async with AsyncHuggingChatClient(base_url=base, model=MODEL) as c:
            async for ev in c.stream_chat("go"):
                if type(ev) is TextDelta:
                    n += 1
        return n

    return asyncio.run(go())


def lc_stream(base: str, tokens: int) -> int:
    from langchain_hfchat import ChatHuggingChat

    llm = ChatHuggingChat(base_url=base, model=MODEL)
    return sum(1 for _ in llm.stream("go"))


def lc_astream(base: str, tokens: int) -> int:
    from langchain_hfchat import ChatHuggingChat

    async def go() -> int:
        llm = ChatHuggingChat(base_url=base, model=MODEL)
        return sum([1 async for _ in llm.astream("go")])

    return asyncio.run(go())


def lc_floor(base: str, tokens: int) -> int:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    # the framework's own fake streaming model; it splits content on spaces, one chunk a token
    words = " ".join(["tok"] * ((tokens + 1) // 2))  # words and spaces: one chunk each
    llm = GenericFakeChatModel(messages=iter([AIMessage(words)]))
    return sum(1 for _ in llm.stream("go"))


def li_stream(base: str, tokens: int) -> int:
    from llama_index.core.llms import ChatMessage

    from llama_index_hfchat import HuggingChatLLM

    llm = HuggingChatLLM(base_url=base, model=MODEL)
    return sum(1 for _ in llm.stream_chat([ChatMessage(role="user", content="go")]))


def li_astream(base: str, tokens: int) -> int:
    from llama_index.core.llms import ChatMessage

    from llama_index_hfchat import HuggingChatLLM

    async def go() -> int:
        llm = HuggingChatLLM(base_url=base, model=MODEL)
        gen = await llm.astream_chat([ChatMessage(role="user", content="go")])
        return sum([1 async for _ in gen])

    return asyncio.run(go())


def li_floor(base: str, tokens: int) -> int:
    from llama_index.core.base.llms.types import (
        ChatMessage,
        ChatResponse,
        ChatResponseGen,
        CompletionResponse,
        LLMMetadata,
    )
    from llama_index.core.llms.callbacks import llm_chat_callback
    from llama_index.core.llms.custom import CustomLLM

    class FakeStreamingLLM(CustomLLM):
        """A fake streaming chat model the way LlamaIndex integrations stream: one
        ChatResponse per token, content accumulated, through the framework's callbacks."""

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(is_chat_model=True)

        def complete(self, prompt: str, formatted: bool = False, **kw: Any) -> Any:
            return CompletionResponse(text="")

        def stream_complete(self, prompt: str, formatted: bool = False, **kw: Any) -> Any:
            raise NotImplementedError

        @llm_chat_callback()
        def stream_chat(self, messages: Any, **kw: Any) -> ChatResponseGen:
            def gen() -> ChatResponseGen:
                parts: list[str] = []
                for _ in range(tokens):
                    parts.append("tok ")
                    yield ChatResponse(
                        message=ChatMessage(role="assistant", content="".join(parts)),
                        delta="tok ",
                    )

            return gen()

    llm = FakeStreamingLLM()
    return sum(1 for _ in llm.stream_chat([ChatMessage(role="user", content="go")]))


VARIANTS: dict[str, Callable[[str, int], int]] = {
    "raw floor (curl_cffi + json.loads)": raw_floor,
    "raw async floor (AsyncSession + json.loads)": raw_floor_async,
    "core sync": core_sync,
    "core async": core_async,
    "LangChain floor (GenericFakeChatModel)": lc_floor,
    "ChatHuggingChat.stream": lc_stream,
    "ChatHuggingChat.astream": lc_astream,
    "LlamaIndex floor (fake streaming LLM)": li_floor,
    "HuggingChatLLM.stream_chat": li_stream,
    "HuggingChatLLM.astream_chat": li_astream,
}


def measure(
    fn: Callable[[str, int], int], base: str, tokens: int, runs: int
) -> tuple[float, float, int]:
    cpu, wall, n = [], [], 0
    fn(base, tokens)  # warm-up (imports, connection)
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        n = fn(base, tokens)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default=None, help="substring of the variants to run")
    args = ap.parse_args()
    results: dict[str, tuple[float, float, int]] = {}
    with emulator_process(fast_tokens=args.tokens) as base:
        for name, fn in VARIANTS.items():
            if args.only and args.only not in name:
                continue
            try:
                results[name] = measure(fn, base, args.tokens, args.runs)
            except ImportError as exc:
                print(f"skipped {name}: {exc}")
    print(f"\n{args.tokens} tokens, median of {args.runs} runs\n")
    print("| variant | chunks | CPU µs/token | wall s |")
    print("|---|---:|---:|---:|")
    for name, (cpu, wall, n) in results.items():
        print(f"| {name} | {n} | {cpu / args.tokens * 1e6:.2f} | {wall:.3f} |")

    def cpu_of(key: str) -> float | None:
        return results[key][0] if key in results else None

    floor = cpu_of("raw floor (curl_cffi + json.loads)")
    print("\n| ratio | value | target |")
    print("|---|---:|---:|")
    afloor = cpu_of("raw async floor (AsyncSession + json.loads)")
    for core, base_floor, label in (
        ("core sync", floor, "raw floor"),
        ("core async", afloor, "raw async floor"),
    ):
        c = cpu_of(core)
        if base_floor and c:
            print(f"| {core} / {label} | {c / base_floor:.2f} | ≤ 1.15 |")
    pairs = [
        ("ChatHuggingChat.stream", "core sync", "LangChain floor (GenericFakeChatModel)"),
        ("ChatHuggingChat.astream", "core async", "LangChain floor (GenericFakeChatModel)"),
        ("HuggingChatLLM.stream_chat", "core sync", "LlamaIndex floor (fake streaming LLM)"),
        ("HuggingChatLLM.astream_chat", "core async", "LlamaIndex floor (fake streaming LLM)"),
    ]
    for adapter, core, fw in pairs:
        a, c, f = cpu_of(adapter), cpu_of(core), cpu_of(fw)
        if a and c and f:
            print(f"| {adapter} / ({core} + floor) | {a / (c + f):.2f} | ≤ 1.15 |")


if __name__ == "__main__":
    main()
