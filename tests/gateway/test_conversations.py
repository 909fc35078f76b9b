"""A chat front-end resends the whole history each turn; the gateway continues the same server
conversation, so each turn costs one send (and no new conversation)."""

from __future__ import annotations

from typing import Any

import openai

from .conftest import API_KEY, RunningGateway


def _routes(gw: RunningGateway, route: str) -> int:
    return len([r for r in gw.fake.requests if r.route == route])


def test_growing_history_is_one_send_per_turn(gateway: RunningGateway) -> None:
    client = openai.OpenAI(base_url=gateway.url, api_key=API_KEY, max_retries=0)
    history: list[Any] = [{"role": "system", "content": "You are terse."}]
    conversation_ids = set()
    for i, question in enumerate(["first", "second", "third"]):
        history.append({"role": "user", "content": question})
        before_posts = _routes(gateway, "post")
        before_creates = _routes(gateway, "create")
        stream = i == 1  # streamed and whole turns share the mapping
        if stream:
            chunks = list(
                client.chat.completions.create(model="fake/echo", messages=history, stream=True)
            )
            answer = "".join(c.choices[0].delta.content or "" for c in chunks)
            conversation_ids.add(chunks[-1].model_extra["hfchat"]["conversation_id"])  # type: ignore[index]
        else:
            r = client.chat.completions.create(model="fake/echo", messages=history)
            answer = r.choices[0].message.content or ""
            conversation_ids.add(r.model_extra["hfchat"]["conversation_id"])  # type: ignore[index]
        assert answer == f"Echo: {question}"  # only the new turn was sent, not a folded history
        assert _routes(gateway, "post") - before_posts == 1
        assert _routes(gateway, "create") - before_creates == (1 if i == 0 else 0)
        history.append({"role": "assistant", "content": answer})
    assert len(conversation_ids) == 1
    conv = gateway.fake.conversations[conversation_ids.pop()]
    assert len([m for m in conv["messages"] if m.get("from") == "user"]) == 3


def test_edited_history_branches_instead_of_reusing(gateway: RunningGateway) -> None:
    client = openai.OpenAI(base_url=gateway.url, api_key=API_KEY, max_retries=0)
    first = client.chat.completions.create(
        model="fake/echo", messages=[{"role": "user", "content": "a"}]
    )
    # the front-end shows a different earlier answer: that history is new to the server
    r = client.chat.completions.create(
        model="fake/echo",
        messages=[
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "something else"},
            {"role": "user", "content": "b"},
        ],
    )
    assert "something else" in (r.choices[0].message.content or "")  # folded history
    assert (
        r.model_extra["hfchat"]["conversation_id"]  # type: ignore[index]
        != first.model_extra["hfchat"]["conversation_id"]  # type: ignore[index]
    )
