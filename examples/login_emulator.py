"""Browser login against the local emulator: real Chromium, unattended sign-in, stored session.

Run:  python examples/login_emulator.py     (needs ``pip install "hfchat[browser]"`` and Chrome or
Chromium; the session is stored in a throwaway config folder, not your real one)
"""

from __future__ import annotations

import argparse
import os
import tempfile

from hfchat import AuthenticationError, HuggingChatClient
from hfchat.login import login, logout
from hfchat.testing import FakeHuggingChat


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    print("*** Demo against the local emulator (a fake sign-in page), not huggingface.co.\n")
    with tempfile.TemporaryDirectory() as config, FakeHuggingChat(require_login=True) as fake:
        os.environ["HFCHAT_CONFIG_DIR"] = config  # keep the demo away from the real store
        login(fake.base_url, headless=True, timeout=60, email="demo@example.com", password="demo")
        with HuggingChatClient(base_url=fake.base_url, model="fake/echo") as client:
            print("logged in as", client.whoami()["username"])  # type: ignore[index]
            print(client.chat("Hello after login").text)
        logout(fake.base_url)
        with HuggingChatClient(base_url=fake.base_url, model="fake/echo") as client:
            try:
                client.chat("Hello after logout")
            except AuthenticationError as exc:
                print("after logout:", exc)


if __name__ == "__main__":
    main()
