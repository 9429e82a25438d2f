"""The public page under load (issue 12): ``vcbot serve`` over a generated province, 50
clients at once, side by side with a static file from the same server in the same run.

    .venv/bin/python bench/province.py --size guangdong --url postgresql://postgres@127.0.0.1/prov
    .venv/bin/python bench/public_page.py --url postgresql://postgres@127.0.0.1/prov [--workers 2]

Each client asks in turn: the first page, a county's page, a town's page, a search by name
and a village's card, ``--requests`` in all; latencies are measured from the client side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60  # how long the server may take to answer before the bench gives up


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_listening(server: subprocess.Popen[bytes], port: int) -> bool:
    """True once the server accepts connections; False when it stopped first."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def paths(villages: int, counties: int, rng: random.Random) -> list[str]:
    """A mix of what villagers ask for."""
    v = rng.randrange(villages)
    return [
        "/",
        f"/?county={rng.randrange(1, counties + 1)}",
        f"/?county={v // 100 + 1}&town={v // 10 + 1}",
        f"/?q=村{v:06d}"[:-2],
        f"/?village=V{v:06d}",
    ]


async def load(base: str, targets: list[str], clients: int) -> tuple[list[float], int]:
    """Every target once, by ``clients`` workers at once: latencies in ms, and errors."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for t in targets:
        queue.put_nowait(t)
    latencies: list[float] = []
    errors = 0
    slow: list[tuple[float, str]] = []

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        while not queue.empty():
            path = queue.get_nowait()
            began = time.perf_counter()
            async with session.get(base + path) as r:
                await r.read()
                if r.status >= 400 and r.status != 404:
                    errors += 1
            latencies.append((time.perf_counter() - began) * 1000)
            slow.append((latencies[-1], path))

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(clients)))
    if os.environ.get("BENCH_SLOWEST"):
        for ms, path in sorted(slow)[-8:]:
            print(f"  slow: {ms:7.1f} ms {path}")
    return latencies, errors


def summary(name: str, latencies: list[float], errors: int, seconds: float) -> str:
    """One line of figures."""
    ordered = sorted(latencies)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return (
        f"{name:<22} {len(latencies) / seconds:8.0f} req/s  p50 {statistics.median(ordered):7.1f} ms"
        f"  p99 {p99:7.1f} ms  errors {errors}"
    )


async def run(args: argparse.Namespace) -> list[str]:
    """Warm up, then the page mix and the static file, one after the other."""
    base = f"http://127.0.0.1:{args.port}"
    rng = random.Random(7)
    mix: list[str] = []
    while len(mix) < args.requests:
        mix += paths(args.villages, args.counties, rng)
    await load(base, mix[:100], 10)
    began = time.perf_counter()
    page, page_errors = await load(base, mix[: args.requests], args.clients)
    page_s = time.perf_counter() - began
    began = time.perf_counter()
    static, static_errors = await load(base, ["/static/style.css"] * args.requests, args.clients)
    static_s = time.perf_counter() - began
    return [
        f"{args.clients} clients, {args.requests} requests each run, {args.villages:,} villages,"
        f" {args.workers} page process(es)",
        summary("public page mix", page, page_errors, page_s),
        summary("static file", static, static_errors, static_s),
    ]


def main() -> None:
    """Start the server, load it, stop it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--villages", type=int, default=26_000)
    parser.add_argument("--counties", type=int, default=260)
    parser.add_argument("--workers", type=int, default=1, help="vcbot serve --workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    args = parser.parse_args()
    args.port = args.port or free_port()
    env = {**os.environ, "VCBOT_DATABASE_URL": args.url, "VCBOT_MODE": "production"}
    env["VCBOT_SECRET_KEY"] = secrets.token_hex(32)
    workers = ["--workers", str(args.workers)] if args.workers > 1 else []
    command = [str(ROOT / ".venv/bin/vcbot"), "serve", "--port", str(args.port), "--no-reminders"]
    # the server's stderr goes to a file: a pipe nobody reads could fill and stall it
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [*command, *workers], env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            if not wait_until_listening(server, args.port):  # an old schema, say
                log.seek(0)
                sys.exit(f"vcbot serve did not start: {log.read().decode().strip()}")
            for line in asyncio.run(run(args)):
                print(line)
        finally:
            server.terminate()
            server.wait(10)
    sys.exit(0)


if __name__ == "__main__":
    main()
