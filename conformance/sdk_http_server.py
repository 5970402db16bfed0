#!/usr/bin/env python3
"""Serve the scripted *official SDK* server over HTTP (stdlib only).

Purpose: self-test of `sdk_runner.py --http` and a live reference to poke at
with curl.  Not a production server.

  .venv/bin/python sdk_http_server.py --port 8765
  .venv/bin/python sdk_runner.py cases.json --http http://127.0.0.1:8765/api/chatkit \
      --user-header X-User-Id --normalise --out-dir /tmp/http-actual
  .venv/bin/python compare.py expected /tmp/http-actual

- POST <any path>: body -> ChatKitServer.process(body, {"user_id": <X-User-Id or "alice">}).
- JSON results: 200 application/json.  Exceptions escaping process(): 500 text/plain
  (like the quickstart app, transcript H03/H04), but for streams only if nothing
  was sent yet; a stream that fails later is cut off (chunked body ends without
  the terminating chunk).
- Streams: 200 text/event-stream; charset=utf-8, chunked, one chunk per event.
  A client that closes the connection mid-stream cancels the SDK task, which
  runs handle_stream_cancelled (the "slow" responder branch).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import queue
import select
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
logging.getLogger("chatkit").setLevel(logging.CRITICAL)

from chatkit.server import StreamingResult  # noqa: E402

from responder import make_server  # noqa: E402

_DONE = object()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sdk-reference"

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_POST(self):  # noqa: N802
        app = self.server.app  # type: ignore[attr-defined]
        loop = self.server.loop  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        ctx = {"user_id": self.headers.get("X-User-Id") or "alice"}
        try:
            result = asyncio.run_coroutine_threadsafe(app.process(body, ctx), loop).result()
        except Exception:
            return self._plain(500, b"Internal Server Error")
        if not isinstance(result, StreamingResult):
            return self._send(200, "application/json", result.json)

        q: queue.Queue = queue.Queue()

        async def pump():
            try:
                async for chunk in result:
                    q.put(chunk)
                q.put(_DONE)
            except asyncio.CancelledError:
                q.put(_DONE)
                raise
            except Exception as e:  # noqa: BLE001
                q.put(e)

        fut = asyncio.run_coroutine_threadsafe(pump(), loop)
        first = self._next(q, fut)
        if isinstance(first, Exception):
            return self._plain(500, b"Internal Server Error")
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        item = first
        try:
            while True:
                if item is _DONE:
                    self.wfile.write(b"0\r\n\r\n")
                    break
                if isinstance(item, Exception):
                    self.close_connection = True
                    break  # truncated body, no terminating chunk
                self.wfile.write(b"%x\r\n%s\r\n" % (len(item), item))
                self.wfile.flush()
                item = self._next(q, fut)
        except (BrokenPipeError, ConnectionResetError, _ClientGone):
            fut.cancel()
            self.close_connection = True

    def _next(self, q: queue.Queue, fut):
        while True:
            try:
                return q.get(timeout=0.05)
            except queue.Empty:
                if self._client_gone():
                    fut.cancel()
                    raise _ClientGone() from None

    def _client_gone(self) -> bool:
        sock = self.connection
        r, _, _ = select.select([sock], [], [], 0)
        if not r:
            return False
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _send(self, status: int, ctype: str, data: bytes):
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _plain(self, status: int, data: bytes):
        self._send(status, "text/plain; charset=utf-8", data)


class _ClientGone(Exception):
    pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    srv = ThreadingHTTPServer((args.host, args.port), Handler)
    srv.app = make_server(f"http://{args.host}:{args.port}")  # type: ignore[attr-defined]
    srv.loop = loop  # type: ignore[attr-defined]
    print(f"listening on http://{args.host}:{args.port}/", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
