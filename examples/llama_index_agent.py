"""A LlamaIndex FunctionAgent with two tools, on HuggingChat.

HuggingChat has no function-calling API: hfchat offers the tools in the system prompt and parses
the model's JSON tool calls, so any HuggingChat model can drive an agent. The agent's events are
printed as they stream: reasoning (dimmed), tool calls and their results, the answer.

Talks to the real HuggingChat when HUGGINGCHAT_COOKIE is set; otherwise starts the embedded
emulator on loopback with scripted replies. It says which one it uses.

    python examples/llama_index_agent.py "What is (12 + 30) * 3?"
    python examples/llama_index_agent.py --react "What is (12 + 30) * 3?"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json

from example_target import color, parse_args
from llama_index.core.agent.workflow import (
    AgentStream,
    FunctionAgent,
    ReActAgent,
    ToolCall,
    ToolCallResult,
)
from llama_index_setup import example_llm


def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


def _call(name: str, **arguments: float) -> str:
    return json.dumps({"tool_calls": [{"name": name, "arguments": arguments}]})


SCRIPTED = {
    "function": (
        "<think>First the sum in the brackets.</think>" + _call("add", a=12, b=30),
        "<think>Now multiply the sum by 3.</think>" + _call("multiply", a=42, b=3),
        "(12 + 30) * 3 = 126.",
    ),
    "react": (
        "<think>First the sum.</think>Thought: I need to add 12 and 30.\nAction: add\n"
        'Action Input: {"a": 12, "b": 30}',
        'Thought: Now multiply by 3.\nAction: multiply\nAction Input: {"a": 42, "b": 3}',
        "Thought: I can answer without using any more tools.\nAnswer: (12 + 30) * 3 = 126.",
    ),
}


async def run(question: str, react: bool) -> None:
    with contextlib.ExitStack() as stack:
        llm = example_llm(stack, *SCRIPTED["react" if react else "function"])
        kind = ReActAgent if react else FunctionAgent
        agent = kind(
            tools=[add, multiply],
            llm=llm,
            system_prompt="You are a careful calculator. Use the tools for arithmetic.",
        )
        print(f"Q: {question}")
        handler = agent.run(question)
        thinking = False
        async for event in handler.stream_events():
            if isinstance(event, AgentStream) and event.thinking_delta:
                if not thinking:
                    print("\n" + ("\x1b[2m" if color() else "") + "(reasoning) ", end="")
                    thinking = True
                print(event.thinking_delta, end="", flush=True)
                continue
            if thinking:
                print("\x1b[0m" if color() else "")
                thinking = False
            if isinstance(event, ToolCallResult):
                print(f"  -> {event.tool_name} returned {event.tool_output.content}")
            elif isinstance(event, ToolCall):
                print(f"  calling {event.tool_name}({event.tool_kwargs})")
        answer = await handler
        print(f"\nA: {answer}")
        await llm.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--react", action="store_true", help="use a ReActAgent")
    args = parse_args(parser.description or "", parser)
    asyncio.run(run(" ".join(args.question) or "What is (12 + 30) * 3?", args.react))


if __name__ == "__main__":
    main()
