"""Streaming cost per token: the raw floors, the core clients, both adapters, framework floors.

One answer of N tokens (default 20,000) from the emulator's fast model, the emulator running in
its own process. Every round runs every variant once, in turn, so that the machine's drift hits
all of them alike; each ratio is computed within a round and the median of the per-round ratios is
reported (a benchmark that runs one variant's repeats back to back reports noise as a result).

* core (sync/async) vs the raw floor (curl_cffi POST, read lines, json.loads, strip padding);
* each adapter vs (core + that framework's no-I/O floor), target ≤ 1.10, and vs (raw floor +
  framework floor), the figure an independent replay measures.

    python benchmarks/stream_cost.py [--tokens 20000] [--rounds 7] [--only SUBSTRING]
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
    from collections.abc import Iterator

    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    class FloorChatModel(BaseChatModel):
        """No I/O: one ``ChatGenerationChunk(message=AIMessageChunk(content=t))`` per token."""

        @property
        def _llm_type(self) -> str:
            return "floor"

        def _generate(self, messages: list[BaseMessage], stop: Any = None, **kw: Any) -> Any:
            return ChatResult(generations=[ChatGeneration(message=AIMessage("tok " * tokens))])

        def _stream(
            self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Iterator[ChatGenerationChunk]:
            for _ in range(tokens):
                chunk = ChatGenerationChunk(message=AIMessageChunk(content="tok "))
                if run_manager is not None:
                    run_manager.on_llm_new_token("tok ", chunk=chunk)
                yield chunk

    return sum(1 for _ in FloorChatModel().stream("go"))


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
    "LangChain floor (no-I/O BaseChatModel)": lc_floor,
    "ChatHuggingChat.stream": lc_stream,
    "ChatHuggingChat.astream": lc_astream,
    "LlamaIndex floor (fake streaming LLM)": li_floor,
    "HuggingChatLLM.stream_chat": li_stream,
    "HuggingChatLLM.astream_chat": li_astream,
}


def _cpu(fn: Callable[[str, int], int], base: str, tokens: int) -> tuple[float, float, int]:
    c0, w0 = time.process_time(), time.perf_counter()
    n = fn(base, tokens)
    return time.process_time() - c0, time.perf_counter() - w0, n


RAW, ARAW = "raw floor (curl_cffi + json.loads)", "raw async floor (AsyncSession + json.loads)"
LCF, LIF = "LangChain floor (no-I/O BaseChatModel)", "LlamaIndex floor (fake streaming LLM)"
# (label, numerator, [denominator terms], target)
RATIOS: list[tuple[str, str, list[str], str]] = [
    ("core sync / raw floor", "core sync", [RAW], "≤ 1.00"),
    ("core async / raw async floor", "core async", [ARAW], "≤ 1.00"),
    (
        "ChatHuggingChat.stream / (core sync + LC floor)",
        "ChatHuggingChat.stream",
        ["core sync", LCF],
        "≤ 1.10",
    ),
    (
        "ChatHuggingChat.astream / (core async + LC floor)",
        "ChatHuggingChat.astream",
        ["core async", LCF],
        "≤ 1.10",
    ),
    ("ChatHuggingChat.stream / (raw floor + LC floor)", "ChatHuggingChat.stream", [RAW, LCF], "—"),
    (
        "HuggingChatLLM.stream_chat / (core sync + LI floor)",
        "HuggingChatLLM.stream_chat",
        ["core sync", LIF],
        "≤ 1.10",
    ),
    (
        "HuggingChatLLM.astream_chat / (core async + LI floor)",
        "HuggingChatLLM.astream_chat",
        ["core async", LIF],
        "≤ 1.10",
    ),
    (
        "HuggingChatLLM.stream_chat / (raw floor + LI floor)",
        "HuggingChatLLM.stream_chat",
        [RAW, LIF],
        "—",
    ),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--only", default=None, help="substring of the variants to run")
    args = ap.parse_args()
    chosen = {k: v for k, v in VARIANTS.items() if not args.only or args.only in k or "floor" in k}
    rounds: list[dict[str, tuple[float, float, int]]] = []
    with emulator_process(fast_tokens=args.tokens) as base:
        for name, fn in list(chosen.items()):  # warm-up: imports, connections
            try:
                fn(base, args.tokens)
            except ImportError as exc:
                print(f"skipped {name}: {exc}")
                del chosen[name]
        for _ in range(args.rounds):  # interleaved: every variant once per round
            rounds.append({name: _cpu(fn, base, args.tokens) for name, fn in chosen.items()})
    print(f"\n{args.tokens} tokens, {args.rounds} interleaved rounds (median per variant)\n")
    print("| variant | chunks | CPU µs/token | wall s |")
    print("|---|---:|---:|---:|")
    for name in chosen:
        cpu = statistics.median(r[name][0] for r in rounds)
        wall = statistics.median(r[name][1] for r in rounds)
        n = rounds[-1][name][2]
        print(f"| {name} | {n} | {cpu / args.tokens * 1e6:.2f} | {wall:.3f} |")
    print("\n| ratio (median of per-round ratios) | value | spread | target |")
    print("|---|---:|---:|---:|")
    for label, num, den, target in RATIOS:
        if num not in chosen or any(d not in chosen for d in den):
            continue
        per_round = [r[num][0] / sum(r[d][0] for d in den) for r in rounds]
        lo, hi = min(per_round), max(per_round)
        print(f"| {label} | {statistics.median(per_round):.2f} | {lo:.2f}–{hi:.2f} | {target} |")


if __name__ == "__main__":
    main()
