"""A tool-using agent (langchain.agents.create_agent) on HuggingChat.

    python examples/langchain_agent.py "What's the weather in Paris, and what time is it there?"

HuggingChat has no native function calling; ChatHuggingChat emulates it through the prompt.
Offline, the emulator's replies are scripted: first a tool call, then the final answer.
"""

from __future__ import annotations

import contextlib
import json

from example_target import parse_args
from langchain.agents import create_agent
from langchain_core.tools import tool
from langchain_setup import example_model


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"sunny and 21 °C in {city}"


@tool
def get_local_time(city: str) -> str:
    """The local time in a city."""
    return f"it is 10:30 in {city}"


SCRIPT = (
    json.dumps(
        {
            "tool_calls": [
                {"name": "get_weather", "arguments": {"city": "Paris"}},
                {"name": "get_local_time", "arguments": {"city": "Paris"}},
            ]
        }
    ),
    "In Paris it is sunny and 21 °C, and the local time is 10:30.",
)


def main() -> None:
    args = parse_args(__doc__.split("\n")[0])
    question = " ".join(args.question) or "What's the weather in Paris, and what time is it there?"
    with contextlib.ExitStack() as stack:
        llm = example_model(stack, *SCRIPT)
        agent = create_agent(
            llm,
            tools=[get_weather, get_local_time],
            system_prompt="You are a concise travel assistant. Use the tools.",
        )
        result = agent.invoke({"messages": [{"role": "user", "content": question}]})
        for message in result["messages"]:
            calls = getattr(message, "tool_calls", None)
            shown = f"calls {[(c['name'], c['args']) for c in calls]}" if calls else message.text
            print(f"{message.type:>6}: {shown}")


if __name__ == "__main__":
    main()
