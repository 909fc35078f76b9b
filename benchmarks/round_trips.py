"""HTTP requests per new conversation and per follow-up turn, counted from the emulator's log.

python benchmarks/round_trips.py
"""

from __future__ import annotations

from hfchat import ChatMessage, HuggingChatClient
from hfchat.testing import FakeHuggingChat


def count(generation: str, model: str | None) -> tuple[int, int, int, list[str]]:
    with FakeHuggingChat(generation=generation) as fake:
        with HuggingChatClient(base_url=fake.base_url, model=model) as client:
            history = [ChatMessage("system", "Be brief."), ChatMessage("user", "first question")]
            fake.clear_requests()
            first = client.chat(history)
            n_first = len(fake.requests)
            history += [ChatMessage("assistant", first.text), ChatMessage("user", "second")]
            fake.clear_requests()
            second = client.chat(history)
            n_second = len(fake.requests)
            log = [f"{r.method} {r.path}" for r in fake.requests]
            history += [ChatMessage("assistant", second.text), ChatMessage("user", "third")]
            fake.clear_requests()
            client.chat(history)
            n_third = len(fake.requests)
    return n_first, n_second, n_third, log


def main() -> None:
    print("| server | model given | new conversation | follow-up | next follow-up |")
    print("|---|---|---:|---:|---:|")
    for generation in ("2026", "2024"):
        for model in ("fake/echo", None):
            a, b, c, _ = count(generation, model)
            print(f"| {generation} | {'yes' if model else 'no (first listed)'} | {a} | {b} | {c} |")
    _, _, _, log = count("2026", "fake/echo")
    print("\nfollow-up requests on 2026:", "; ".join(log))


if __name__ == "__main__":
    main()
