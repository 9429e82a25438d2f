"""The npm puppet-service server with the official mock puppet, as a fixture.

``make test`` installs it (``npm ci`` in tests/wechaty/mock_server, pinned by its lockfile);
without node the WeChat tests are skipped with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

SERVER_DIR = Path(__file__).parent / "mock_server"
NODE = shutil.which("node")
TOKEN = "insecure_vcbot_e2e"
BOT_ID = "bot_self"
WORLD = {
    "bot": BOT_ID,
    "contacts": [
        {"id": "c_zs", "name": "张三"},
        {"id": "c_ls", "name": "李四"},
        {"id": "c_chen", "name": "陈明远", "weixin": "wx_chen"},
    ],
    "rooms": [
        {
            "id": "R_1@chatroom",
            "topic": "南岗村群",
            "memberIdList": [BOT_ID, "c_zs", "c_ls", "c_chen"],
        }
    ],
}

requires_node = pytest.mark.skipif(
    NODE is None or not (SERVER_DIR / "node_modules").is_dir(),
    reason="需要 node 和 tests/wechaty/mock_server/node_modules（make test 会用 npm ci 安装）",
)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MockServer:
    """The node server: start, stop, make mock people talk, read what the bot sent."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sent: list[dict[str, Any]] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    @property
    def endpoint(self) -> str:
        """host:port to connect to."""
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start serving and wait until it listens."""
        env = {
            **os.environ,
            "PORT": str(self.port),
            "TOKEN": TOKEN,
            "WORLD": json.dumps(WORLD),
            "WECHATY_PUPPET_SERVICE_NO_TLS_INSECURE_SERVER": "true",
        }
        self._process = await asyncio.create_subprocess_exec(
            str(NODE),
            "server.mjs",
            cwd=SERVER_DIR,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        assert self._process.stdout is not None
        line = await asyncio.wait_for(self._process.stdout.readline(), 30)
        assert b"ready" in line, line
        self._reader = asyncio.create_task(self._read(self._process.stdout))

    async def _read(self, stdout: asyncio.StreamReader) -> None:
        while line := await stdout.readline():
            event = json.loads(line)
            if "sent" in event:
                self.sent.append(event["sent"])

    async def say(
        self, sender: str, text: str, room: str | None = None, mentions: tuple[str, ...] = ()
    ) -> None:
        """A mock person says ``text`` in ``room`` (or privately to the bot)."""
        assert self._process is not None
        assert self._process.stdin is not None
        command = {"from": sender, "room": room, "text": text, "mentions": list(mentions)}
        self._process.stdin.write((json.dumps(command, ensure_ascii=False) + "\n").encode())
        await self._process.stdin.drain()

    async def wait_for_sent(self, count: int, seconds: float = 20) -> list[dict[str, Any]]:
        """Wait until the bot has sent ``count`` messages in all (or the time is up)."""
        for _ in range(int(seconds * 20)):
            if len(self.sent) >= count:
                break
            await asyncio.sleep(0.05)
        return self.sent

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): a stream that goes silent without closing."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a frozen server go on (SIGCONT)."""
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    async def stop(self) -> None:
        """Kill the server (as a crash would)."""
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


@pytest.fixture
async def mock_server() -> AsyncIterator[MockServer]:
    """A running mock server on a free port."""
    server = MockServer(free_port())
    await server.start()
    yield server
    await server.stop()
