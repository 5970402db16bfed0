"""Scripted ChatKit server used by the differential conformance harness.

Everything here is the *reference* behaviour that todokit's Rust test build must
mirror byte for byte (modulo ids/timestamps).  See README.md, section
"Scripted responder", for the prose version.

Contents
- MemoryStore:            dict-based chatkit.store.Store, scoped by context["user_id"]
- MemoryAttachmentStore:  two-phase AttachmentStore (upload_descriptor POST)
- ScriptedServer:         ChatKitServer subclass with the scripted respond/action/sync_action
"""

from __future__ import annotations

import asyncio
import warnings
from datetime import datetime
from typing import Any

warnings.simplefilter("ignore", DeprecationWarning)  # typed widget classes are "deprecated"

from chatkit.actions import ActionConfig  # noqa: E402
from chatkit.errors import CustomStreamError  # noqa: E402
from chatkit.server import ChatKitServer  # noqa: E402
from chatkit.store import AttachmentStore, NotFoundError, Store  # noqa: E402
from chatkit.types import (  # noqa: E402
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    ClientEffectEvent,
    ClientToolCallItem,
    CustomSummary,
    CustomTask,
    FileAttachment,
    HiddenContextItem,
    ImageAttachment,
    Page,
    ProgressUpdateEvent,
    StructuredInputFreeform,
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputMultipleChoiceOption,
    SyncCustomActionResponse,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
    WidgetItem,
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)
from chatkit.widgets import Button, Card, Text  # noqa: E402

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def _ctx_user(context: Any) -> str:
    if isinstance(context, dict):
        return str(context.get("user_id", "alice"))
    return "alice"


def _paginate(rows: list, key_id, after: str | None, limit: int, order: str):
    """Shared pagination used for threads and items.

    rows: list in *insertion* order.  Sorted ascending by created_at with a
    stable sort (ties keep insertion order); "desc" is the exact reverse of the
    ascending list.  `after` is an exclusive cursor: the page starts right after
    the element whose id == after in that ordering.  An unknown `after` raises
    NotFoundError.  has_more = more elements exist after the page; the returned
    `after` is the last element's id only when has_more, else None.
    """
    ordered = sorted(rows, key=lambda r: r.created_at)
    if order == "desc":
        ordered.reverse()
    start = 0
    if after is not None:
        idx = next((i for i, r in enumerate(ordered) if key_id(r) == after), None)
        if idx is None:
            raise NotFoundError(f"cursor {after} not found")
        start = idx + 1
    rest = ordered[start:]
    page = rest[:limit] if limit >= 0 else []
    has_more = len(rest) > len(page)
    return page, has_more, (key_id(page[-1]) if has_more and page else None)


class MemoryStore(Store[dict]):
    """In-memory Store.  Threads and attachments are owned by context["user_id"];
    a thread owned by another user behaves exactly like a missing one."""

    def __init__(self) -> None:
        self.threads: dict[str, tuple[str, ThreadMetadata]] = {}  # id -> (owner, meta)
        self.items: dict[str, list[ThreadItem]] = {}  # thread id -> items (insertion order)
        self.attachments: dict[str, tuple[str, Attachment]] = {}

    # -- threads -----------------------------------------------------------
    def _owned(self, thread_id: str, context: dict) -> ThreadMetadata | None:
        entry = self.threads.get(thread_id)
        if entry is None or entry[0] != _ctx_user(context):
            return None
        return entry[1]

    async def load_thread(self, thread_id: str, context: dict) -> ThreadMetadata:
        meta = self._owned(thread_id, context)
        if meta is None:
            raise NotFoundError(f"Thread {thread_id} not found")
        return meta.model_copy(deep=True)

    async def save_thread(self, thread: ThreadMetadata, context: dict) -> None:
        # The SDK passes a `Thread` (with items) from threads.create; keep metadata only.
        data = thread.model_dump(exclude={"items"})
        meta = ThreadMetadata.model_validate(data)
        self.threads[thread.id] = (_ctx_user(context), meta)
        self.items.setdefault(thread.id, [])

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: dict
    ) -> Page[ThreadMetadata]:
        user = _ctx_user(context)
        rows = [m for (owner, m) in self.threads.values() if owner == user]
        page, has_more, nxt = _paginate(rows, lambda t: t.id, after, limit, order)
        return Page(
            data=[t.model_copy(deep=True) for t in page], has_more=has_more, after=nxt
        )

    async def delete_thread(self, thread_id: str, context: dict) -> None:
        if self._owned(thread_id, context) is None:
            return  # missing / foreign: silently nothing
        del self.threads[thread_id]
        self.items.pop(thread_id, None)

    # -- items -------------------------------------------------------------
    def _thread_items(self, thread_id: str, context: dict) -> list[ThreadItem]:
        if self._owned(thread_id, context) is None:
            return []
        return self.items.setdefault(thread_id, [])

    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: dict
    ) -> Page[ThreadItem]:
        rows = self._thread_items(thread_id, context)
        page, has_more, nxt = _paginate(rows, lambda i: i.id, after, limit, order)
        return Page(
            data=[i.model_copy(deep=True) for i in page], has_more=has_more, after=nxt
        )

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: dict) -> None:
        if self._owned(thread_id, context) is None:
            raise NotFoundError(f"Thread {thread_id} not found")
        rows = self.items.setdefault(thread_id, [])
        if any(r.id == item.id for r in rows):
            raise ValueError(f"Item {item.id} already exists")  # insert, not upsert
        rows.append(item.model_copy(deep=True))

    async def save_item(self, thread_id: str, item: ThreadItem, context: dict) -> None:
        if self._owned(thread_id, context) is None:
            raise NotFoundError(f"Thread {thread_id} not found")
        rows = self.items.setdefault(thread_id, [])
        for i, r in enumerate(rows):
            if r.id == item.id:
                rows[i] = item.model_copy(deep=True)  # keeps its position
                return
        rows.append(item.model_copy(deep=True))  # upsert

    async def load_item(self, thread_id: str, item_id: str, context: dict) -> ThreadItem:
        for r in self._thread_items(thread_id, context):
            if r.id == item_id:
                return r.model_copy(deep=True)
        raise NotFoundError(f"Item {item_id} not found in thread {thread_id}")

    async def delete_thread_item(self, thread_id: str, item_id: str, context: dict) -> None:
        rows = self._thread_items(thread_id, context)
        rows[:] = [r for r in rows if r.id != item_id]

    # -- attachments -------------------------------------------------------
    async def save_attachment(self, attachment: Attachment, context: dict) -> None:
        self.attachments[attachment.id] = (_ctx_user(context), attachment.model_copy(deep=True))

    async def load_attachment(self, attachment_id: str, context: dict) -> Attachment:
        entry = self.attachments.get(attachment_id)
        if entry is None or entry[0] != _ctx_user(context):
            raise NotFoundError(f"Attachment {attachment_id} not found")
        return entry[1].model_copy(deep=True)

    async def delete_attachment(self, attachment_id: str, context: dict) -> None:
        entry = self.attachments.get(attachment_id)
        if entry is not None and entry[0] == _ctx_user(context):
            del self.attachments[attachment_id]


class MemoryAttachmentStore(AttachmentStore[dict]):
    """Two-phase upload.  create_attachment returns
    upload_descriptor {url: <base>/api/chatkit/attachments/<id>/upload, method: POST, headers: {}}
    and, for mime types starting with "image/", preview_url <base>/api/chatkit/attachments/<id>/preview
    (todokit's routes).
    delete_attachment of an unknown id is a no-op."""

    def __init__(self, base_url: str = DEFAULT_BASE_URL) -> None:
        self.base_url = base_url.rstrip("/")
        self.blobs: dict[str, bytes] = {}

    async def create_attachment(self, input: AttachmentCreateParams, context: dict) -> Attachment:
        att_id = self.generate_attachment_id(input.mime_type, context)
        desc = AttachmentUploadDescriptor(
            url=f"{self.base_url}/api/chatkit/attachments/{att_id}/upload", method="POST", headers={}
        )
        if input.mime_type.startswith("image/"):
            return ImageAttachment(
                id=att_id,
                name=input.name,
                mime_type=input.mime_type,
                upload_descriptor=desc,
                preview_url=f"{self.base_url}/api/chatkit/attachments/{att_id}/preview",
            )
        return FileAttachment(
            id=att_id, name=input.name, mime_type=input.mime_type, upload_descriptor=desc
        )

    async def delete_attachment(self, attachment_id: str, context: dict) -> None:
        self.blobs.pop(attachment_id, None)


# ---------------------------------------------------------------------------
# Scripted responder
# ---------------------------------------------------------------------------


def _first_text(item: UserMessageItem | None) -> str:
    if item is None:
        return ""
    for part in item.content:
        if isinstance(part, UserMessageTextContent):
            return part.text
    return ""


def build_widget(text_value: str = "Toggle me") -> Card:
    return Card(
        children=[
            Text(id="t1", value=text_value),
            Button(label="Toggle", onClickAction=ActionConfig(type="toggle", payload={"n": 1})),
        ]
    )


def _toggled(sender: WidgetItem) -> WidgetItem:
    """Copy of the sender whose every Text component gets value "Toggled"."""
    item = sender.model_copy(deep=True)

    def walk(node: Any) -> None:
        if getattr(node, "type", None) == "Text" and hasattr(node, "value"):
            node.value = "Toggled"
        children = getattr(node, "children", None)
        if isinstance(children, list):
            for c in children:
                walk(c)
        elif children is not None:
            walk(children)

    walk(item.widget)
    return item


class ScriptedServer(ChatKitServer[dict]):
    def __init__(self, store: Store, attachment_store: AttachmentStore | None = None):
        super().__init__(store, attachment_store)
        self.feedback: list[tuple[str, list[str], str]] = []

    # -- helpers -------------------------------------------------------------
    def _new_id(self, kind: str, thread: ThreadMetadata, context: dict) -> str:
        return self.store.generate_item_id(kind, thread, context)  # type: ignore[arg-type]

    async def _message(self, thread: ThreadMetadata, context: dict, parts: list[str]):
        """Assistant message streamed as added / content_part.added / one text_delta
        per element of `parts` / content_part.done / done."""
        full = "".join(parts)
        item = AssistantMessageItem(
            id=self._new_id("message", thread, context),
            thread_id=thread.id,
            created_at=datetime.now(),
            content=[],
        )
        yield ThreadItemAddedEvent(item=item)
        yield ThreadItemUpdatedEvent(
            item_id=item.id,
            update=AssistantMessageContentPartAdded(
                content_index=0, content=AssistantMessageContent(text="")
            ),
        )
        for p in parts:
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta=p),
            )
        yield ThreadItemUpdatedEvent(
            item_id=item.id,
            update=AssistantMessageContentPartDone(
                content_index=0, content=AssistantMessageContent(text=full)
            ),
        )
        yield ThreadItemDoneEvent(
            item=item.model_copy(update={"content": [AssistantMessageContent(text=full)]})
        )

    # -- hooks -----------------------------------------------------------------
    async def respond(self, thread, input_user_message, context):
        t = _first_text(input_user_message)
        # Title rule: the very first thing respond() does, before any yield/raise.
        if input_user_message is not None and thread.title is None and t != "":
            thread.title = t[:40]

        if input_user_message is None:
            async for e in self._message(thread, context, ["Thanks"]):
                yield e
            return

        if t == "boom":
            item = AssistantMessageItem(
                id=self._new_id("message", thread, context),
                thread_id=thread.id,
                created_at=datetime.now(),
                content=[],
            )
            yield ThreadItemAddedEvent(item=item)
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartAdded(
                    content_index=0, content=AssistantMessageContent(text="")
                ),
            )
            raise Exception("boom")

        if t == "custom error":
            raise CustomStreamError("Nope", allow_retry=False)

        if t == "slow":
            # For cancellation tests: a partial assistant message, then a stall
            # during which the client aborts (runner step option "cancel": true).
            item = AssistantMessageItem(
                id=self._new_id("message", thread, context),
                thread_id=thread.id,
                created_at=datetime.now(),
                content=[],
            )
            yield ThreadItemAddedEvent(item=item)
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartAdded(
                    content_index=0, content=AssistantMessageContent(text="")
                ),
            )
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta="Partial"),
            )
            await asyncio.sleep(3600)
            return

        if t == "widget":
            yield ThreadItemDoneEvent(
                item=WidgetItem(
                    id=self._new_id("message", thread, context),
                    thread_id=thread.id,
                    created_at=datetime.now(),
                    widget=build_widget(),
                )
            )
            async for e in self._message(thread, context, ["Here is a widget"]):
                yield e
            return

        if t == "workflow":
            wf = WorkflowItem(
                id=self._new_id("workflow", thread, context),
                thread_id=thread.id,
                created_at=datetime.now(),
                workflow=Workflow(type="custom", tasks=[]),
            )
            yield ThreadItemAddedEvent(item=wf)
            yield ThreadItemUpdatedEvent(
                item_id=wf.id,
                update=WorkflowTaskAdded(
                    task_index=0, task=CustomTask(title="Step 1", status_indicator="loading")
                ),
            )
            done_task = CustomTask(title="Step 1", status_indicator="complete")
            yield ThreadItemUpdatedEvent(
                item_id=wf.id, update=WorkflowTaskUpdated(task_index=0, task=done_task)
            )
            yield ThreadItemDoneEvent(
                item=wf.model_copy(
                    update={
                        "workflow": Workflow(
                            type="custom",
                            tasks=[done_task],
                            summary=CustomSummary(title="Did 1 step"),
                        )
                    }
                )
            )
            async for e in self._message(thread, context, ["Done"]):
                yield e
            return

        if t == "progress":
            yield ProgressUpdateEvent(text="Working")
            yield ClientEffectEvent(name="noop", data={})
            async for e in self._message(thread, context, ["Ok"]):
                yield e
            return

        if t == "hidden":
            yield ThreadItemDoneEvent(
                item=HiddenContextItem(
                    id=self._new_id("message", thread, context),
                    thread_id=thread.id,
                    created_at=datetime.now(),
                    content="secret",
                )
            )
            async for e in self._message(thread, context, ["Ok"]):
                yield e
            return

        if t == "client tool":
            yield ThreadItemDoneEvent(
                item=ClientToolCallItem(
                    id=self._new_id("tool_call", thread, context),
                    thread_id=thread.id,
                    created_at=datetime.now(),
                    status="pending",
                    call_id="call_1",
                    name="get_time",
                    arguments={"tz": "UTC"},
                )
            )
            return

        if t == "ask":
            yield ThreadItemDoneEvent(
                item=StructuredInputItem(
                    id=self._new_id("message", thread, context),
                    thread_id=thread.id,
                    created_at=datetime.now(),
                    inputs=[
                        StructuredInputMultipleChoice(
                            id="q1",
                            question="Pick one",
                            options=[
                                StructuredInputMultipleChoiceOption(value="a"),
                                StructuredInputMultipleChoiceOption(value="b"),
                            ],
                        )
                    ],
                )
            )
            return

        if t == "ask many":
            yield ThreadItemDoneEvent(
                item=StructuredInputItem(
                    id=self._new_id("message", thread, context),
                    thread_id=thread.id,
                    created_at=datetime.now(),
                    inputs=[
                        StructuredInputMultipleChoice(
                            id="q1",
                            question="Pick some",
                            options=[
                                StructuredInputMultipleChoiceOption(value="a"),
                                StructuredInputMultipleChoiceOption(value="b"),
                                StructuredInputMultipleChoiceOption(value="c"),
                            ],
                            multiple=True,
                        ),
                        StructuredInputFreeform(
                            id="q2", question="Anything else?", description="Free text"
                        ),
                    ],
                )
            )
            return

        async for e in self._message(thread, context, ["You said: ", t]):
            yield e

    async def action(self, thread, action, sender, context):
        if action.type == "toggle" and sender is not None:
            yield ThreadItemReplacedEvent(item=_toggled(sender))
            async for e in self._message(thread, context, ["Toggled"]):
                yield e
            return
        raise Exception(f"unsupported action {action.type!r}")

    async def sync_action(self, thread, action, sender, context):
        if action.type == "toggle" and sender is not None:
            return SyncCustomActionResponse(updated_item=_toggled(sender))
        return SyncCustomActionResponse(updated_item=None)

    async def add_feedback(self, thread_id, item_ids, feedback, context):
        self.feedback.append((thread_id, list(item_ids), feedback))

    # transcribe(): deliberately not overridden -> NotImplementedError escapes process().


def make_server(base_url: str = DEFAULT_BASE_URL) -> ScriptedServer:
    return ScriptedServer(MemoryStore(), MemoryAttachmentStore(base_url))
