"""Several bot processes on one database: one reminder scheduler in total, and a standby
takes over when the leader dies (issue 9, several accounts)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.leader import FileLock

VCBOT = str(Path(sys.executable).with_name("vcbot"))
STARTED = "reminder scheduler started"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    """A ``vcbot serve`` process whose log goes to ``log``."""
    env = {**os.environ, "VCBOT_DATABASE_URL": db_url, "VCBOT_MODE": "development"}
    env["VCBOT_CONFIG"] = str(log.with_suffix(".absent.toml"))
    command = [VCBOT, "serve", "--port", str(free_port())]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def started(log: Path) -> bool:
    return STARTED in log.read_text(encoding="utf-8", errors="replace")


def test_one_scheduler_among_two_processes_and_a_take_over(db_url: str, tmp_path: Path) -> None:
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    first = serve(db_url, logs[0])
    try:
        assert wait_for(lambda: started(logs[0]), 30), logs[0].read_text()
        second = serve(db_url, logs[1])
        try:
            time.sleep(4)  # it has tried to lead at least once by now
            assert not started(logs[1])  # one scheduler in total
            first.send_signal(signal.SIGKILL)
            first.wait()
            assert wait_for(lambda: started(logs[1]), 30), logs[1].read_text()
        finally:
            second.terminate()
            second.wait(15)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()


def test_a_file_lock_is_held_by_one_holder(tmp_path: Path) -> None:
    one, two = FileLock(tmp_path / "x.lock"), FileLock(tmp_path / "x.lock")
    assert one.try_acquire()
    assert one.try_acquire()  # held already: still ours
    assert not two.try_acquire()
    one.release()
    assert two.try_acquire()
    two.release()


class FlakyLock:
    """Held at first; lost after two checks; then free again; one failure on the way."""

    def __init__(self) -> None:
        self.checks = 0
        self.held = False
        self.failed_once = False

    def try_acquire(self) -> bool:
        if not self.failed_once:
            self.failed_once = True
            raise ConnectionError("database restarting")
        self.held = True
        return True

    def still_held(self) -> bool:
        self.checks += 1
        if self.checks == 3:
            self.held = False
        return self.held

    def release(self) -> None:
        self.held = False


async def test_a_lost_lock_stops_the_scheduler_and_leading_resumes() -> None:
    import asyncio

    from bot.leader import lead

    events: list[str] = []
    stop = asyncio.Event()
    lock = FlakyLock()

    async def start() -> None:
        events.append("start")

    def stop_leading() -> None:
        events.append("stop")

    task = asyncio.create_task(
        lead(lock, stop, start, stop_leading=stop_leading, retry_seconds=0.01)
    )
    for _ in range(200):
        if events.count("start") >= 2:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    assert events[:3] == ["start", "stop", "start"]  # the failed try did not end leading
    assert events[-1] == "stop"  # stopped before the lock was let go
    assert not lock.held


def children_of(pid: int) -> list[int]:
    """The live child processes of ``pid`` (from /proc)."""
    found = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in found.read_text().split()] if found.exists() else []


def pages_answer(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def test_workers_share_the_port_and_stop_with_the_server(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "VCBOT_DATABASE_URL": db_url, "VCBOT_MODE": "production"}
    env |= {"VCBOT_SECRET_KEY": "k3" * 24, "VCBOT_CONFIG": str(tmp_path / "absent.toml")}
    port = free_port()
    command = [VCBOT, "serve", "--port", str(port), "--workers", "3", "--no-reminders"]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: len(children_of(server.pid)) >= 2, 30), log.read_text()
        helpers = children_of(server.pid)
        assert wait_for(lambda: pages_answer(port), 30), log.read_text()
        assert all(pages_answer(port) for _ in range(20))  # whichever process takes it
        assert "3 个网页进程" in log.read_text(encoding="utf-8")
        server.send_signal(signal.SIGINT)
        assert server.wait(30) == 0
        assert wait_for(lambda: not any(Path(f"/proc/{p}").exists() for p in helpers), 15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_page_workers_stop_when_the_server_is_killed(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "VCBOT_DATABASE_URL": db_url, "VCBOT_MODE": "production"}
    env |= {"VCBOT_SECRET_KEY": "k3" * 24, "VCBOT_CONFIG": str(tmp_path / "absent.toml")}
    port = free_port()
    command = [VCBOT, "serve", "--port", str(port), "--workers", "2", "--no-reminders"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: len(children_of(server.pid)) >= 1, 30)
        assert wait_for(lambda: pages_answer(port), 30)
        helpers = children_of(server.pid)
        server.kill()  # no chance to stop its helpers: they notice and stop themselves
        server.wait()
        assert wait_for(lambda: not any(Path(f"/proc/{p}").exists() for p in helpers), 15)
        assert not pages_answer(port)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


@pytest.mark.parametrize("mode", ["development", "demo"])
def test_workers_are_refused_outside_production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mode: str
) -> None:
    monkeypatch.setenv("VCBOT_MODE", mode)
    monkeypatch.setenv("VCBOT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("VCBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    out = CliRunner().invoke(main, ["serve", "--workers", "2"])
    assert out.exit_code == 1
    assert "只用于生产模式" in out.stderr
    assert "--workers" in out.stderr
    assert not (tmp_path / "x.db").exists()  # refused before touching anything


def test_workers_must_be_a_positive_count() -> None:
    out = CliRunner().invoke(main, ["serve", "--workers", "0"])
    assert out.exit_code == 2
    assert "--workers" in out.stderr
