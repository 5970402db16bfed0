#!/usr/bin/env python3
"""The two loopback ends of scripts/bench-streams.sh, standard library only (asyncio).

  bench-streams.py model --port P [--deltas 50] [--seconds 5]
      A scripted OpenAI-compatible model: POST /v1/chat/completions with "stream": true answers
      `deltas` content chunks spread over `seconds`, each "[<token>:<nn>]" where <token> is the
      first tok-<16 hex> in the last user message (so a stream given to the wrong turn shows);
      "stream": false (the thread title) answers "Stream <token>" at once. Prints its counts
      (requests, streams, peak concurrent streams) as one JSON line on SIGTERM/SIGINT.

  bench-streams.py drive --url http://127.0.0.1:P --token JWT --turns N [--deltas 50]
      N threads.create turns at once, each with its own token; checks that every stream ends
      with its own text, every delta in order and none lost, then that items.list of each
      stored thread holds exactly the user's message and that text. One JSON line; exit 1 on
      any failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import signal
import sys
import time

TOKEN = re.compile(r"tok-[0-9a-f]{16}")


def expected_text(token: str, deltas: int) -> str:
    return "".join(f"[{token}:{i:02d}]" for i in range(deltas))


# --- HTTP/1.1, just enough -------------------------------------------------------------------


async def read_head(reader: asyncio.StreamReader) -> tuple[str, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return lines[0], headers


def dechunk(body: bytes) -> bytes:
    out, i = bytearray(), 0
    while True:
        j = body.index(b"\r\n", i)
        size = int(body[i:j].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[j + 2 : j + 2 + size]
        i = j + 2 + size + 2


async def post(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request on its own connection (Connection: close); the whole body."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
                 f"Content-Length: {len(body)}"] + [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        status, h = await read_head(reader)
        data = await reader.read()
        if h.get("transfer-encoding", "").lower() == "chunked":
            data = dechunk(data)
        return int(status.split()[1]), data
    finally:
        writer.close()


# --- the model ---------------------------------------------------------------------------------


class Model:
    def __init__(self, deltas: int, seconds: float):
        self.deltas, self.seconds = deltas, seconds
        self.requests = self.streams = self.live = self.peak = self.titles = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    request_line, headers = await read_head(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests += 1
                if not request_line.startswith("POST ") or not request_line.split()[1].endswith("/chat/completions"):
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    continue
                req = json.loads(body)
                users = [m for m in req.get("messages", []) if m.get("role") == "user"]
                content = users[-1].get("content", "") if users else ""
                if isinstance(content, list):
                    content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
                found = TOKEN.search(content or "")
                token = found.group(0) if found else "no-token"
                if not req.get("stream"):
                    self.titles += 1
                    answer = json.dumps({"id": "t", "object": "chat.completion", "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": f"Stream {token}"},
                         "finish_reason": "stop"}]}).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n" % len(answer) + answer)
                    await writer.drain()
                    continue
                await self.stream(writer, token)
                return
        finally:
            writer.close()

    async def stream(self, writer: asyncio.StreamWriter, token: str) -> None:
        self.streams += 1
        self.live += 1
        self.peak = max(self.peak, self.live)
        try:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                         b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n")

            def send(chunk: dict) -> None:
                writer.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")

            base = {"id": "c", "object": "chat.completion.chunk", "model": "x"}
            send(base | {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})
            gap = self.seconds / self.deltas
            start = time.monotonic()
            for i in range(self.deltas):
                # On a schedule, not after a fixed sleep: a late wake-up does not stretch the stream.
                delay = start + (i + 1) * gap - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                send(base | {"choices": [{"index": 0, "delta": {"content": f"[{token}:{i:02d}]"}}]})
                await writer.drain()
            send(base | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            writer.write(b"data: [DONE]\n\n")
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            self.live -= 1

    def stats(self) -> dict:
        return {"requests": self.requests, "streams": self.streams, "titles": self.titles,
                "peak_concurrent_streams": self.peak}


async def serve_model(args: argparse.Namespace) -> None:
    model = Model(args.deltas, args.seconds)
    server = await asyncio.start_server(model.handle, "127.0.0.1", args.port, backlog=4096)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()
    print(json.dumps(model.stats()), flush=True)


# --- the load ----------------------------------------------------------------------------------


def events(body: bytes) -> list[dict]:
    out = []
    for block in body.decode().split("\n\n"):
        for line in block.split("\n"):
            if line.startswith("data: "):
                out.append(json.loads(line[6:]))
    return out


async def turn(args, host, port, token: str) -> dict:
    """One threads.create turn; what it streamed and whether that was its own text, whole."""
    t0 = time.monotonic()
    body = json.dumps({"type": "threads.create", "params": {"input": {
        "content": [{"type": "input_text", "text": f"Please repeat {token} back to me"}],
        "attachments": [], "inference_options": {}}}}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {args.token}"}
    try:
        status, data = await post(host, port, "/api/chatkit", body, headers)
    except (OSError, asyncio.IncompleteReadError) as e:
        return {"token": token, "error": f"connection: {e!r}"}
    took = time.monotonic() - t0
    if status != 200:
        return {"token": token, "error": f"HTTP {status}: {data[:200]!r}"}
    want = expected_text(token, args.deltas)
    thread_id, deltas, done_text, problems = None, [], None, []
    for ev in events(data):
        kind = ev.get("type")
        if kind == "thread.created":
            thread_id = ev["thread"]["id"]
        elif kind == "thread.item.updated":
            u = ev.get("update", {})
            if u.get("type") == "assistant_message.content_part.text_delta":
                deltas.append(u["delta"])
        elif kind == "thread.item.done" and ev["item"].get("type") == "assistant_message":
            done_text = "".join(c.get("text", "") for c in ev["item"].get("content", []))
        elif kind == "error":
            problems.append(f"error event: {ev}")
    streamed = "".join(deltas)
    if thread_id is None:
        problems.append("no thread.created")
    if streamed != want:
        problems.append(f"streamed text differs: {streamed[:80]!r}…")
    if done_text != want:
        problems.append(f"final item differs: {str(done_text)[:80]!r}…")
    foreign = set(TOKEN.findall(streamed + str(done_text))) - {token}
    if foreign:
        problems.append(f"another turn's text: {sorted(foreign)[:3]}")
    return {"token": token, "thread_id": thread_id, "seconds": took, "deltas": len(deltas),
            "error": "; ".join(problems) or None}


async def stored(args, host, port, r: dict) -> str | None:
    """None when items.list of the turn's thread is exactly its user message and its answer."""
    body = json.dumps({"type": "items.list", "params": {
        "thread_id": r["thread_id"], "limit": 50, "order": "asc"}}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {args.token}"}
    status, data = await post(host, port, "/api/chatkit", body, headers)
    if status != 200:
        return f"items.list HTTP {status}"
    items = json.loads(data)["data"]
    kinds = [i["type"] for i in items]
    if kinds != ["user_message", "assistant_message"]:
        return f"stored items {kinds}"
    said = "".join(c.get("text", "") for c in items[0]["content"])
    answer = "".join(c.get("text", "") for c in items[1]["content"])
    if r["token"] not in said:
        return "stored user message lost its token"
    if answer != expected_text(r["token"], args.deltas):
        return f"stored answer differs: {answer[:80]!r}…"
    return None


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[round((len(xs) - 1) * p)] if xs else float("nan")


async def drive(args: argparse.Namespace) -> int:
    m = re.match(r"http://([^:/]+):(\d+)", args.url)
    host, port = m.group(1), int(m.group(2))
    tokens = [f"tok-{secrets.token_hex(8)}" for _ in range(args.turns)]
    t0 = time.monotonic()
    results = await asyncio.gather(*(turn(args, host, port, t) for t in tokens))
    wall = time.monotonic() - t0
    failed = [r for r in results if r["error"]]
    sem = asyncio.Semaphore(32)

    async def check(r):
        async with sem:
            try:
                return await stored(args, host, port, r)
            except (OSError, ValueError, KeyError) as e:
                return f"items.list: {e!r}"

    good = [r for r in results if not r["error"]]
    store_errors = [(r["token"], e) for r, e in zip(good, await asyncio.gather(*(check(r) for r in good))) if e]
    secs = [r["seconds"] for r in good]
    out = {
        "turns": args.turns, "streams_ok": len(good), "streams_failed": len(failed),
        "stored_ok": len(good) - len(store_errors), "stored_failed": len(store_errors),
        "deltas_per_stream": args.deltas, "wall_s": round(wall, 2),
        "turn_p50_s": round(pct(secs, 0.5), 3), "turn_p99_s": round(pct(secs, 0.99), 3),
        "turn_max_s": round(max(secs, default=float("nan")), 3),
        "first_failures": [f"{r['token']}: {r['error']}" for r in failed[:5]]
                          + [f"{t}: {e}" for t, e in store_errors[:5]],
    }
    print(json.dumps(out), flush=True)
    return 1 if failed or store_errors or len(good) != args.turns else 0


def main() -> int:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("model")
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--deltas", type=int, default=50)
    m.add_argument("--seconds", type=float, default=5.0)
    d = sub.add_parser("drive")
    d.add_argument("--url", required=True)
    d.add_argument("--token", required=True)
    d.add_argument("--turns", type=int, default=1000)
    d.add_argument("--deltas", type=int, default=50)
    args = p.parse_args()
    if args.cmd == "model":
        asyncio.run(serve_model(args))
        return 0
    return asyncio.run(drive(args))


if __name__ == "__main__":
    sys.exit(main())
