"""HTTP requests per turn, counted from the emulator's log: those the first token waits on
(everything up to and including the message send) and the total (the message-id read runs
beside the stream).

python benchmarks/round_trips.py
"""

from __future__ import annotations

from hfchat import ChatMessage, HuggingChatClient, TextDelta
from hfchat.testing import FakeHuggingChat


def turn(fake: FakeHuggingChat, client: HuggingChatClient, history: list[ChatMessage]) -> str:
    """One turn; returns "before first token / total" and appends the answer to history."""
    fake.clear_requests()
    before = None
    text = ""
    for ev in client.stream_chat(history):
        if isinstance(ev, TextDelta):
            text += ev.text
            if before is None:
                log = fake.requests
                sends = [i for i, q in enumerate(log) if q.route == "post"]
                before = sends[0] + 1 if sends else len(log)
    history += [ChatMessage("assistant", text)]
    return f"{before} / {len(fake.requests)}"


def count(generation: str, model: str | None) -> tuple[list[str], list[str]]:
    cells = []
    with FakeHuggingChat(generation=generation) as fake:
        with HuggingChatClient(base_url=fake.base_url, model=model) as client:
            history = [ChatMessage("system", "Be brief."), ChatMessage("user", "first question")]
            cells.append(turn(fake, client, history))
            history.append(ChatMessage("user", "second"))
            cells.append(turn(fake, client, history))
            log = [f"{r.method} {r.path}" for r in fake.requests]
            history.append(ChatMessage("user", "third"))
            cells.append(turn(fake, client, history))
        # a new client instance in the same process (detection is cached per base URL)
        with HuggingChatClient(base_url=fake.base_url, model=model) as client:
            cells.append(turn(fake, client, [ChatMessage("user", "another client")]))
    return cells, log


def main() -> None:
    print("Requests per turn: before the first token / total")
    print()
    print(
        "| server | model given | new conversation | follow-up | next follow-up |"
        " new conversation, another client |"
    )
    print("|---|---|---:|---:|---:|---:|")
    logs = {}
    for generation in ("2026", "2024"):
        for model in ("fake/echo", None):
            cells, log = count(generation, model)
            logs[generation] = log
            given = "yes" if model else "no (first listed)"
            print(f"| {generation} | {given} | " + " | ".join(cells) + " |")
    for generation, log in logs.items():
        print(f"\nfollow-up requests on {generation}:", "; ".join(log))


if __name__ == "__main__":
    main()
