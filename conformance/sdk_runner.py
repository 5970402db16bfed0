#!/usr/bin/env python3
"""Differential conformance runner for ChatKit servers.

Runs request sequences ("cases") from a JSON file against
  * (default) a fresh official `chatkit.server.ChatKitServer` subclass per case
    (responder.ScriptedServer with an in-memory store), or
  * (--http URL) a live server over HTTP (e.g. todokit's test build).

Usage
  .venv/bin/python sdk_runner.py cases.json                      # all cases, raw JSON to stdout
  .venv/bin/python sdk_runner.py cases.json --case create_basic  # one case: JSON list
  .venv/bin/python sdk_runner.py cases.json --normalise --out-dir expected
  .venv/bin/python sdk_runner.py cases.json --http http://127.0.0.1:8000/api/chatkit \
        --user-header X-User-Id --normalise --out-dir actual

Case file: a JSON list of
  {"name": str, "description": str?, "requests": [STEP, ...]}
STEP is either a bare request object (sent as JSON) or an object with one of
  "body": <any JSON>     request body, serialised compactly
  "raw":  <string>       request bytes sent verbatim (malformed-JSON tests)
and optionally
  "user":   str          context user id (default "alice"); the store scopes
                         threads/attachments by it ("foreign thread" tests)
  "cancel": true         streaming only: abort the stream once the server stalls
                         (no new event for --stall seconds); see README
  "note":   str          ignored

Placeholders (substituted in every string of "body", recursively, and in "raw"):
  a string that is exactly "$NAME" is replaced by the value (any JSON type);
  "${NAME}" inside a longer string is replaced textually (value must be a string).
  NAME grammar:
    thread:N  | threadN        id of the N-th thread created in this case (thread.created events)
    item:N                     N-th distinct item id seen in item events (thread.item.added/done/replaced)
    <item_type>:N | widgetN    N-th distinct item of that type, e.g. user_message:0,
                               assistant_message:1, widget:0, client_tool_call:0,
                               structured_input:0, workflow:0
    attachment:N               id of the N-th attachment returned by attachments.create
    stepK/<json-pointer>       value inside the recorded result of step K (0-based) of this
                               case: JSON steps -> pointer into "body"; stream steps ->
                               pointer into {"events": [...]}; e.g. "$step3/after",
                               "$step1/events/4/item/id"
  N may be negative (-1 = most recent).  An unresolvable placeholder aborts the case
  with a {"kind":"harness_error"} record (that is a bug in the case, not the server).

Result records (one per step):
  {"kind":"json","status":200,"body":<parsed JSON or null>}
  {"kind":"stream","status":200,"events":[...]}            (+ "cancelled": true)
  {"kind":"error", ...}   an exception escaped process() (SDK mode) or the HTTP status
                          was not 2xx / the body was cut off (HTTP mode).  Extra keys
                          ("exception", "partial_events", "status") are informational:
                          compare.py compares error records by kind only.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

logging.getLogger("chatkit").setLevel(logging.CRITICAL)  # SDK logs tracebacks for errors

DEFAULT_USER = "alice"
ITEM_EVENTS = ("thread.item.added", "thread.item.done", "thread.item.replaced")


class HarnessError(Exception):
    pass


# ---------------------------------------------------------------------------
# Placeholder substitution
# ---------------------------------------------------------------------------


class Registry:
    def __init__(self) -> None:
        self.threads: list[str] = []
        self.items: list[str] = []
        self.items_by_type: dict[str, list[str]] = {}
        self.attachments: list[str] = []
        self.results: list[dict] = []

    def observe_events(self, events: list[Any]) -> None:
        for ev in events:
            if not isinstance(ev, dict):
                continue
            t = ev.get("type")
            if t == "thread.created":
                tid = (ev.get("thread") or {}).get("id")
                if isinstance(tid, str) and tid not in self.threads:
                    self.threads.append(tid)
            elif t in ITEM_EVENTS:
                item = ev.get("item") or {}
                iid, itype = item.get("id"), item.get("type")
                if isinstance(iid, str) and iid not in self.items:
                    self.items.append(iid)
                    self.items_by_type.setdefault(str(itype), []).append(iid)

    def observe_json(self, request: Any, body: Any) -> None:
        if (
            isinstance(request, dict)
            and request.get("type") == "attachments.create"
            and isinstance(body, dict)
            and isinstance(body.get("id"), str)
        ):
            self.attachments.append(body["id"])

    def lookup(self, name: str) -> Any:
        m = re.fullmatch(r"step(\d+)(/.*)?", name)
        if m:
            k = int(m.group(1))
            if k >= len(self.results):
                raise HarnessError(f"${name}: step {k} has not run yet")
            res = self.results[k]
            doc: Any
            if res.get("kind") == "json":
                doc = res.get("body")
            elif res.get("kind") == "stream":
                doc = {"events": res.get("events")}
            else:
                raise HarnessError(f"${name}: step {k} was an error")
            return _pointer(doc, m.group(2) or "", name)
        m = re.fullmatch(r"([a-z_]+?):?(-?\d+)", name)
        if not m:
            raise HarnessError(f"bad placeholder ${name}")
        kind, n = m.group(1), int(m.group(2))
        if kind == "thread":
            seq = self.threads
        elif kind == "item":
            seq = self.items
        elif kind == "attachment":
            seq = self.attachments
        else:
            seq = self.items_by_type.get(kind, [])
        try:
            return seq[n]
        except IndexError:
            raise HarnessError(f"${name}: only {len(seq)} {kind} id(s) seen") from None


def _pointer(doc: Any, ptr: str, name: str) -> Any:
    if ptr in ("", "/"):
        return doc
    cur = doc
    for raw in ptr.lstrip("/").split("/"):
        tok = raw.replace("~1", "/").replace("~0", "~")
        try:
            cur = cur[int(tok)] if isinstance(cur, list) else cur[tok]
        except (KeyError, IndexError, ValueError, TypeError):
            raise HarnessError(f"${name}: pointer does not resolve") from None
    return cur


_EMBED = re.compile(r"\$\{([^}]+)\}")
_WHOLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_:/~\-]*)")


def substitute(value: Any, reg: Registry) -> Any:
    if isinstance(value, str):
        if _WHOLE.fullmatch(value):
            return reg.lookup(value[1:])

        def rep(m: re.Match) -> str:
            v = reg.lookup(m.group(1))
            return v if isinstance(v, str) else json.dumps(v)

        return _EMBED.sub(rep, value)
    if isinstance(value, list):
        return [substitute(v, reg) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, reg) for k, v in value.items()}
    return value


def _embed_only(raw: str, reg: Registry) -> str:
    return _EMBED.sub(lambda m: str(reg.lookup(m.group(1))), raw)


def parse_sse(data: bytes) -> tuple[list[Any], bool]:
    """Parse `data: <json>\\n\\n` frames.  Returns (events, well_formed)."""
    events: list[Any] = []
    ok = True
    text = data.decode("utf-8", errors="replace")
    chunks = text.split("\n\n")
    tail = chunks.pop()  # text after the last separator; must be empty
    if tail:
        ok = False
    for ch in chunks:
        if not ch.startswith("data: ") or "\n" in ch:
            ok = False
            continue
        try:
            events.append(json.loads(ch[len("data: "):]))
        except json.JSONDecodeError:
            ok = False
    return events, ok


# ---------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------


class SdkBackend:
    def __init__(self, base_url: str, stall: float) -> None:
        from responder import make_server

        self._make = make_server
        self.base_url = base_url
        self.stall = stall

    def new_case(self, case_name: str) -> None:
        self.server = self._make(self.base_url)

    async def send(self, body: bytes, user: str, cancel: bool) -> dict:
        from chatkit.server import StreamingResult

        ctx = {"user_id": user}
        try:
            result = await self.server.process(body, ctx)
        except Exception as e:  # escapes process(): JSON ops and request parsing
            return {"kind": "error", "exception": type(e).__name__}
        if not isinstance(result, StreamingResult):
            return {"kind": "json", "status": 200, "body": json.loads(result.json)}

        chunks: list[bytes] = []
        failure: dict[str, Any] = {}

        async def consume() -> None:
            try:
                async for chunk in result:
                    chunks.append(chunk)
            except asyncio.CancelledError:
                raise
            except Exception as e:
                failure["exception"] = type(e).__name__

        task = asyncio.ensure_future(consume())
        cancelled = False
        if cancel:
            # Wait until the server stalls: no new chunk for `stall` seconds.
            seen = -1
            while not task.done() and seen != len(chunks):
                seen = len(chunks)
                await asyncio.sleep(self.stall)
            if not task.done():
                task.cancel()
                cancelled = True
        try:
            await task
        except asyncio.CancelledError:
            pass
        events, ok = parse_sse(b"".join(chunks))
        if failure:
            rec: dict[str, Any] = {"kind": "error", "exception": failure["exception"]}
            if events:
                rec["partial_events"] = events
            return rec
        rec = {"kind": "stream", "status": 200, "events": events}
        if not ok:
            rec["malformed_sse"] = True
        if cancelled:
            rec["cancelled"] = True
        return rec


class HttpBackend:
    """Minimal HTTP driver (stdlib only).  Each case gets fresh user ids
    "<run>-<case>-<user>" sent in --user-header, so a long-running server that
    scopes threads by that header sees every case in isolation."""

    def __init__(self, url: str, user_header: str | None, stall: float, run_id: str,
                 jwt_secret: bytes | None = None, cancel_type: str | None = None) -> None:
        from urllib.parse import urlsplit

        self.cancel_type = cancel_type
        self.jwt_secret = jwt_secret
        self.url = url
        self.parts = urlsplit(url)
        self.user_header = user_header
        self.stall = stall
        self.run_id = run_id

    def new_case(self, case_name: str) -> None:
        self.case_name = case_name

    def _stop(self, events: list[Any], user: str) -> None:
        """A server where a disconnect does not cancel (todokit) gets an explicit stop request
        for the thread of the aborted stream, then the case goes on as with the SDK."""
        tid = next((e["thread"]["id"] for e in events if e.get("type") == "thread.created"), None)
        tid = tid or next((e["item"]["thread_id"] for e in events if "item" in e), None)
        if tid is None:
            return
        body = json.dumps({"type": self.cancel_type, "params": {"thread_id": tid}}).encode()
        self._send_sync(body, user, False)

    async def send(self, body: bytes, user: str, cancel: bool) -> dict:
        return await asyncio.get_running_loop().run_in_executor(
            None, self._send_sync, body, user, cancel
        )

    def _send_sync(self, body: bytes, user: str, cancel: bool) -> dict:
        import http.client
        import socket

        p = self.parts
        conn_cls = http.client.HTTPSConnection if p.scheme == "https" else http.client.HTTPConnection
        # A "cancel" step aborts once no byte arrives for `stall` seconds.
        conn = conn_cls(p.hostname, p.port, timeout=self.stall if cancel else 60)
        headers = {"Content-Type": "application/json"}
        who = f"{self.run_id}-{self.case_name}-{user}"
        if self.user_header:
            headers[self.user_header] = who
        if self.jwt_secret is not None:
            headers["Authorization"] = f"Bearer {sign_hs256(self.jwt_secret, who)}"
        path = p.path or "/"
        if p.query:
            path += "?" + p.query
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError as e:
            return {"kind": "error", "exception": type(e).__name__}
        status = resp.status
        ctype = resp.getheader("content-type", "")
        if not (200 <= status < 300):
            resp.read()
            conn.close()
            return {"kind": "error", "status": status}
        if ctype.startswith("text/event-stream"):
            data = b""
            cancelled = False
            try:
                while True:
                    chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(1)
                    if not chunk:
                        break
                    data += chunk
            except (socket.timeout, TimeoutError):
                cancelled = True
            except Exception as e:
                conn.close()
                events, _ = parse_sse(data)
                rec: dict[str, Any] = {"kind": "error", "exception": type(e).__name__}
                if events:
                    rec["partial_events"] = events
                return rec
            conn.close()
            events, ok = parse_sse(data)
            if cancelled and self.cancel_type:
                self._stop(events, user)
            rec = {"kind": "stream", "status": status, "events": events}
            if not ok:
                rec["malformed_sse"] = True
            if cancelled:
                rec["cancelled"] = True
            return rec
        raw = resp.read()
        conn.close()
        try:
            parsed = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return {"kind": "error", "status": status, "exception": "non-JSON body"}
        return {"kind": "json", "status": status, "body": parsed}


def sign_hs256(secret: bytes, sub: str) -> str:
    """An HS256 JWT for `sub`, valid for an hour (stdlib only: header.claims.signature)."""
    import base64
    import hashlib
    import hmac
    import time

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    now = int(time.time())
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": sub, "iat": now, "exp": now + 3600}).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def _step_parts(step: Any) -> tuple[str, Any, str, bool]:
    """-> (mode, payload, user, cancel) with mode "body" or "raw"."""
    if isinstance(step, dict) and ("body" in step or "raw" in step):
        user = step.get("user", DEFAULT_USER)
        cancel = bool(step.get("cancel", False))
        if "raw" in step:
            return "raw", step["raw"], user, cancel
        return "body", step["body"], user, cancel
    return "body", step, DEFAULT_USER, False


async def run_case(case: dict, backend) -> list[dict]:
    backend.new_case(case["name"])
    reg = Registry()
    out: list[dict] = []
    for step in case["requests"]:
        mode, payload, user, cancel = _step_parts(step)
        try:
            if mode == "raw":
                body_bytes = _embed_only(payload, reg).encode("utf-8")
                request_obj = None
            else:
                request_obj = substitute(copy.deepcopy(payload), reg)
                body_bytes = json.dumps(
                    request_obj, ensure_ascii=False, separators=(",", ":")
                ).encode("utf-8")
        except HarnessError as e:
            out.append({"kind": "harness_error", "message": str(e)})
            break
        rec = await backend.send(body_bytes, user, cancel)
        if rec["kind"] == "stream":
            reg.observe_events(rec["events"])
        elif rec["kind"] == "json":
            reg.observe_json(request_obj, rec["body"])
        elif rec.get("partial_events"):
            reg.observe_events(rec["partial_events"])
        reg.results.append(rec)
        out.append(rec)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", help="cases JSON file")
    ap.add_argument("--case", action="append", help="run only this case (repeatable)")
    ap.add_argument("--http", metavar="URL", help="drive a live server instead of the SDK")
    ap.add_argument("--user-header", help="HTTP mode: header carrying the per-case user id")
    ap.add_argument("--jwt-secret-env", metavar="VAR",
                    help="HTTP mode: sign a per-case HS256 bearer token with the secret in $VAR")
    ap.add_argument("--cancel-request", metavar="TYPE",
                    help="HTTP mode: after a 'cancel' step, send {type: TYPE, params: {thread_id}}")
    ap.add_argument("--base-url", default="http://127.0.0.1:8000",
                    help="SDK mode: base URL used in upload_descriptor/preview_url")
    ap.add_argument("--stall", type=float, default=0.2,
                    help="seconds without progress before a 'cancel' step aborts (default 0.2)")
    ap.add_argument("--normalise", action="store_true", help="normalise ids/timestamps (normalise.py)")
    ap.add_argument("--out-dir", help="write <dir>/<case>.json per case instead of stdout")
    args = ap.parse_args(argv)

    cases = json.loads(Path(args.cases).read_text(encoding="utf-8"))
    names = [c["name"] for c in cases]
    if len(set(names)) != len(names):
        print("duplicate case names", file=sys.stderr)
        return 2
    if args.case:
        unknown = set(args.case) - set(names)
        if unknown:
            print(f"unknown case(s): {sorted(unknown)}", file=sys.stderr)
            return 2
        cases = [c for c in cases if c["name"] in args.case]

    if args.http:
        import uuid

        import os

        secret = os.environ[args.jwt_secret_env].encode() if args.jwt_secret_env else None
        backend: Any = HttpBackend(args.http, args.user_header, args.stall, uuid.uuid4().hex[:6],
                                   secret, args.cancel_request)
    else:
        backend = SdkBackend(args.base_url, args.stall)

    from normalise import normalise_case

    results: dict[str, list[dict]] = {}
    for case in cases:
        res = asyncio.run(run_case(case, backend))
        results[case["name"]] = normalise_case(res) if args.normalise else res

    if args.out_dir:
        d = Path(args.out_dir)
        d.mkdir(parents=True, exist_ok=True)
        for name, res in results.items():
            (d / f"{name}.json").write_text(
                json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
    else:
        doc: Any = results[cases[0]["name"]] if args.case and len(cases) == 1 else results
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    bad = [n for n, r in results.items() if any(x.get("kind") == "harness_error" for x in r)]
    if bad:
        print(f"harness errors in: {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
