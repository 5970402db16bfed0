#!/usr/bin/env python3
"""The official SDK's ChatKit server on uvicorn, for `scripts/bench.sh`.

The same scripted responder as the conformance harness (responder.py), served as an ASGI app
the way the SDK's examples serve it (POST body -> ChatKitServer.process -> JSON or SSE), with
either the harness's in-memory store or a SQLite store of its own (a fair fight for our
SQLite file: WAL and synchronous=NORMAL, like todokit's).

  python bench_server.py --port 8765 --store memory|sqlite [--db PATH]

The user is the X-User-Id header (default "alice"), as in sdk_http_server.py.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
logging.getLogger("chatkit").setLevel(logging.CRITICAL)

import uvicorn  # noqa: E402
from chatkit.server import StreamingResult  # noqa: E402
from chatkit.store import NotFoundError, Store  # noqa: E402
from chatkit.types import Attachment, Page, ThreadItem, ThreadMetadata  # noqa: E402
from pydantic import TypeAdapter  # noqa: E402

from responder import (  # noqa: E402
    MemoryAttachmentStore,
    MemoryStore,
    ScriptedServer,
    _ctx_user,
)

_item = TypeAdapter(ThreadItem)
_attachment = TypeAdapter(Attachment)


class SQLiteStore(Store[dict]):
    """Threads, items and attachments as JSON rows, scoped by user, keyset-paged by insertion
    order (rowid), which is creation order here."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.executescript(
            """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS threads (id TEXT PRIMARY KEY, owner TEXT NOT NULL,
                data TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS threads_owner ON threads (owner);
            CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, thread_id TEXT NOT NULL,
                owner TEXT NOT NULL, data TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS items_thread ON items (thread_id);
            CREATE TABLE IF NOT EXISTS attachments (id TEXT PRIMARY KEY, owner TEXT NOT NULL,
                data TEXT NOT NULL);
            """
        )

    def _one(self, sql: str, *args: Any):
        return self.db.execute(sql, args).fetchone()

    def _page(self, table: str, where: str, args: tuple, after, limit, order):
        op, direction = (">", "ASC") if order == "asc" else ("<", "DESC")
        cursor = ""
        if after is not None:
            row = self._one(f"SELECT rowid FROM {table} WHERE id = ?", after)
            if row is None:
                raise NotFoundError(f"cursor {after} not found")
            cursor = f" AND rowid {op} {row[0]}"
        rows = self.db.execute(
            f"SELECT id, data FROM {table} WHERE {where}{cursor} ORDER BY rowid {direction}"
            " LIMIT ?",
            (*args, limit + 1),
        ).fetchall()
        has_more = len(rows) > limit
        rows = rows[:limit]
        return rows, has_more, (rows[-1][0] if has_more and rows else None)

    # -- threads
    async def load_thread(self, thread_id: str, context: dict) -> ThreadMetadata:
        row = self._one(
            "SELECT data FROM threads WHERE id = ? AND owner = ?", thread_id, _ctx_user(context)
        )
        if row is None:
            raise NotFoundError(f"Thread {thread_id} not found")
        return ThreadMetadata.model_validate_json(row[0])

    async def save_thread(self, thread: ThreadMetadata, context: dict) -> None:
        meta = ThreadMetadata.model_validate(thread.model_dump(exclude={"items"}))
        self.db.execute(
            "INSERT INTO threads (id, owner, data) VALUES (?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET data = excluded.data",
            (thread.id, _ctx_user(context), meta.model_dump_json()),
        )

    async def load_threads(self, limit, after, order, context) -> Page[ThreadMetadata]:
        rows, has_more, nxt = self._page(
            "threads", "owner = ?", (_ctx_user(context),), after, limit, order
        )
        data = [ThreadMetadata.model_validate_json(d) for _, d in rows]
        return Page(data=data, has_more=has_more, after=nxt)

    async def delete_thread(self, thread_id: str, context: dict) -> None:
        user = _ctx_user(context)
        self.db.execute("DELETE FROM items WHERE thread_id = ? AND owner = ?", (thread_id, user))
        self.db.execute("DELETE FROM threads WHERE id = ? AND owner = ?", (thread_id, user))

    # -- items
    async def load_thread_items(self, thread_id, after, limit, order, context) -> Page[ThreadItem]:
        rows, has_more, nxt = self._page(
            "items", "thread_id = ? AND owner = ?", (thread_id, _ctx_user(context)),
            after, limit, order,
        )
        data = [_item.validate_json(d) for _, d in rows]
        return Page(data=data, has_more=has_more, after=nxt)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: dict) -> None:
        self.db.execute(
            "INSERT INTO items (id, thread_id, owner, data) VALUES (?, ?, ?, ?)",
            (item.id, thread_id, _ctx_user(context), item.model_dump_json()),
        )

    async def save_item(self, thread_id: str, item: ThreadItem, context: dict) -> None:
        self.db.execute(
            "INSERT INTO items (id, thread_id, owner, data) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET data = excluded.data",
            (item.id, thread_id, _ctx_user(context), item.model_dump_json()),
        )

    async def load_item(self, thread_id: str, item_id: str, context: dict) -> ThreadItem:
        row = self._one(
            "SELECT data FROM items WHERE id = ? AND thread_id = ? AND owner = ?",
            item_id, thread_id, _ctx_user(context),
        )
        if row is None:
            raise NotFoundError(f"Item {item_id} not found in thread {thread_id}")
        return _item.validate_json(row[0])

    async def delete_thread_item(self, thread_id: str, item_id: str, context: dict) -> None:
        self.db.execute(
            "DELETE FROM items WHERE id = ? AND thread_id = ? AND owner = ?",
            (item_id, thread_id, _ctx_user(context)),
        )

    # -- attachments
    async def save_attachment(self, attachment: Attachment, context: dict) -> None:
        self.db.execute(
            "INSERT INTO attachments (id, owner, data) VALUES (?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET data = excluded.data",
            (attachment.id, _ctx_user(context), attachment.model_dump_json()),
        )

    async def load_attachment(self, attachment_id: str, context: dict) -> Attachment:
        row = self._one(
            "SELECT data FROM attachments WHERE id = ? AND owner = ?",
            attachment_id, _ctx_user(context),
        )
        if row is None:
            raise NotFoundError(f"Attachment {attachment_id} not found")
        return _attachment.validate_json(row[0])

    async def delete_attachment(self, attachment_id: str, context: dict) -> None:
        self.db.execute(
            "DELETE FROM attachments WHERE id = ? AND owner = ?",
            (attachment_id, _ctx_user(context)),
        )


def make_app(server: ScriptedServer):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        user = dict(scope["headers"]).get(b"x-user-id", b"alice").decode()
        result = await server.process(body, {"user_id": user})
        if isinstance(result, StreamingResult):
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream; charset=utf-8")]})
            async for chunk in result:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": result.json})

    return app


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--store", choices=["memory", "sqlite"], default="memory")
    ap.add_argument("--db", default="reference.db")
    args = ap.parse_args()
    store = MemoryStore() if args.store == "memory" else SQLiteStore(args.db)
    server = ScriptedServer(store, MemoryAttachmentStore(f"http://{args.host}:{args.port}"))
    uvicorn.run(make_app(server), host=args.host, port=args.port, log_level="warning",
                access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
