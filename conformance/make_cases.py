#!/usr/bin/env python3
"""Generates cases.json (the checked-in artifact).  Edit here, then run
   .venv/bin/python make_cases.py && .venv/bin/python sdk_runner.py cases.json --normalise --out-dir expected
"""

from __future__ import annotations

import json
from pathlib import Path


def inp(text=None, *, parts=None, attachments=None, quoted=None, opts=None):
    content = parts if parts is not None else ([] if text is None else [{"type": "input_text", "text": text}])
    d = {"content": content, "attachments": attachments or []}
    if quoted is not None:
        d["quoted_text"] = quoted
    d["inference_options"] = opts or {}
    return d


def create(text=None, **kw):
    return {"type": "threads.create", "params": {"input": inp(text, **kw)}}


def add(text=None, tid="$thread:0", **kw):
    return {"type": "threads.add_user_message", "params": {"thread_id": tid, "input": inp(text, **kw)}}


def get(tid="$thread:0"):
    return {"type": "threads.get_by_id", "params": {"thread_id": tid}}


def tlist(**params):
    return {"type": "threads.list", "params": params}


def ilist(tid="$thread:0", **params):
    return {"type": "items.list", "params": {"thread_id": tid, **params}}


def action(item, atype="toggle", payload=None, tid="$thread:0", sync=False):
    a = {"type": atype}
    if payload is not None:
        a["payload"] = payload
    p = {"thread_id": tid}
    if item is not None:
        p["item_id"] = item
    p["action"] = a
    return {"type": "threads.sync_custom_action" if sync else "threads.custom_action", "params": p}


def tool_output(result, tid="$thread:0"):
    return {"type": "threads.add_client_tool_output", "params": {"thread_id": tid, "result": result}}


def structured(item, status=None, answers=None, tid="$thread:0"):
    i = {}
    if status is not None:
        i["status"] = status
    if answers is not None:
        i["answers"] = answers
    return {"type": "threads.add_structured_input", "params": {"thread_id": tid, "item_id": item, "input": i}}


def retry(item, tid="$thread:0"):
    return {"type": "threads.retry_after_item", "params": {"thread_id": tid, "item_id": item}}


def as_user(user, body):
    return {"user": user, "body": body}


C = []


def case(name, description, *requests):
    C.append({"name": name, "description": description, "requests": list(requests)})


# --- basic streaming -------------------------------------------------------
case("create_basic", "threads.create with the exact body the web component sends; then get_by_id and list.",
     {"raw": '{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"Hi there"}],"quoted_text":"","attachments":[],"inference_options":{}}}}'},
     get(), tlist())
case("add_user_message_full", "add_user_message with metadata, quoted_text, inference_options and non-ASCII text (cf. transcript 02); items.list default (desc).",
     create("Hello"),
     {"type": "threads.add_user_message", "metadata": {"client": "driver"},
      "params": {"thread_id": "$thread:0", "input": inp("Again: héllo ✓ \"quotes\" \\ \u0001", quoted="Hello",
                                                          opts={"model": "gpt-x", "tool_choice": {"id": "search"}})}},
     ilist())
case("input_tag_and_multi_part", "input_tag first (ignored for T), two input_text parts (T = first); interactive/group on tags.",
     create(parts=[{"type": "input_tag", "id": "tag1", "text": "@Bob", "data": {"k": [1, 2]}, "group": "people", "interactive": True},
                   {"type": "input_text", "text": "first"}, {"type": "input_text", "text": "second"}]),
     get())
case("empty_content_then_title", "Empty content: T = '' so no title and reply 'You said: ' + ''; the title is set by the next non-empty message.",
     create(parts=[]), add("Second message"), add("Third message"), get())
case("title_truncation", "Title is T[:40]; threads.update overrides it; later messages keep it.",
     create("This is a rather long first message that exceeds forty characters"),
     {"type": "threads.update", "params": {"thread_id": "$thread:0", "title": "Renamed ✓"}},
     add("more"), get(), tlist())

# --- widgets / actions -----------------------------------------------------
case("widget_custom_action", "widget item via typed classes, then threads.custom_action toggle -> thread.item.replaced + message; persisted.",
     create("widget"), action("$widget:0", payload={"n": 1}), get())
case("widget_sync_action", "threads.sync_custom_action: toggle returns updated_item (not persisted); other types and no item_id return {}.",
     create("widget"), action("$widget:0", sync=True, payload={"n": 1}),
     action("$widget:0", atype="other", sync=True), action(None, sync=True), get())
case("custom_action_errors", "custom_action on a non-widget item -> bare error event; unknown action type / no sender -> stream.error; unknown item -> escapes; item_id '' counts as no item.",
     create("widget"),
     action("$user_message:0"),
     action("$widget:0", atype="nope"),
     action(None),
     {"type": "threads.custom_action", "params": {"thread_id": "$thread:0", "item_id": "", "action": {"type": "toggle"}}},
     action("msg_00000000"),
     get())
case("action_without_type", "SDK quirk: an action object without 'type' passes validation (Action.type defaults to the TypeVar object), so custom_action reaches action() (-> stream.error) and sync_custom_action returns {}.  Also: handler/streaming keys in a request action are ignored.",
     create("widget"),
     {"type": "threads.custom_action", "params": {"thread_id": "$thread:0", "item_id": "$widget:0", "action": {}}},
     {"type": "threads.sync_custom_action", "params": {"thread_id": "$thread:0", "item_id": "$widget:0", "action": {"payload": 1}}},
     {"type": "threads.custom_action", "params": {"thread_id": "$thread:0", "item_id": "$widget:0", "action": {"type": "toggle", "payload": None, "handler": "client", "streaming": False}}})
case("sync_action_errors", "sync_custom_action on a non-widget item or unknown item or unknown thread escapes process().",
     create("hello"), action("$user_message:0", sync=True), action("msg_00000000", sync=True),
     action(None, sync=True, tid="thr_00000000"))

# --- other stream event kinds ---------------------------------------------
case("workflow", "workflow item added / task added / task updated / done with summary, then message.",
     create("workflow"), get())
case("progress_and_effect", "progress_update and client_effect are forwarded and never stored.",
     create("progress"), ilist(order="asc"))
case("hidden_context", "hidden_context_item done is stored but not streamed and filtered from get_by_id/items.list.",
     create("hidden"), get(), ilist(), ilist(limit=2, order="asc"))

# --- client tools ----------------------------------------------------------
case("client_tool_roundtrip", "client_tool_call pending -> add_client_tool_output -> respond(None) 'Thanks'; item completed with output.",
     create("client tool"), tool_output({"time": "12:00", "nested": [1, {"a": None}]}), get())
case("client_tool_output_null_result", "result may be null; output then stays absent (exclude_none).",
     create("client tool"), tool_output(None), get())
case("client_tool_output_errors", "no pending client tool call (last item is an assistant message) -> ValueError escapes; second output after completion too.",
     create("hello"), tool_output({"x": 1}),
     add("client tool"), tool_output(1), tool_output(2), get())

# --- structured input ------------------------------------------------------
case("structured_input_answer", "responder 'ask': multiple_choice (multiple=false) keeps only the first value; replaced then 'Thanks'.",
     create("ask"), structured("$structured_input:0", answers={"q1": {"values": ["b", "a"]}}), get())
case("structured_input_skipped", "status skipped -> every answer {values:[], skipped:true}.",
     create("ask many"), structured("$structured_input:0", status="skipped", answers={"q1": {"values": ["a"]}}), get())
case("structured_input_partial", "multiple=true keeps all values; missing answer -> skipped; unknown id ignored; empty values -> skipped.",
     create("ask many"),
     structured("$structured_input:0", answers={"q1": {"values": ["a", "c"]}, "zz": {"values": ["x"]}}),
     create("ask many"),
     structured("$structured_input:1", tid="$thread:1", answers={"q1": {"values": []}, "q2": {"values": ["free", "extra"], "skipped": False}}),
     get("$thread:1"))
case("structured_input_errors", "already answered, not a structured_input item, unknown item, default empty input.",
     create("ask"), structured("$structured_input:0", answers={}),
     structured("$structured_input:0", answers={"q1": {"values": ["a"]}}),
     structured("$user_message:0"), structured("msg_00000000"), get())

# --- retry -----------------------------------------------------------------
case("retry_after_item", "retry after the first user message silently deletes later items and re-runs respond.",
     create("Hi"), add("again"), retry("$user_message:0"), get())
case("retry_errors", "retry on an assistant item -> ValueError escapes; unknown id -> empty stream; latest user message works.",
     create("Hi"), retry("$assistant_message:0"), retry("msg_00000000"), retry("$user_message:0"), get())

# --- error events in the stream -------------------------------------------
case("boom", "plain exception after partial output: stream.error allow_retry true; thread.updated (title) comes right after the first yielded event; nothing persisted for the assistant.",
     create("boom"), get(), add("after boom"), get())
case("custom_error", "CustomStreamError before any event: error{custom,Nope,false} then thread.updated (title change detected after the error).",
     create("custom error"), get(), add("custom error"))

# --- cancellation ----------------------------------------------------------
case("cancel_stream", "client aborts during 'slow': handle_stream_cancelled persists the partial assistant message and an sdk_hidden_context item (hidden; the last asc page of 3 ends on it, so its shcx id surfaces as `after`).",
     {"body": create("slow"), "cancel": True}, get(), ilist(order="asc"), add("next"), get(),
     ilist(order="asc", limit=3))

# --- pagination --------------------------------------------------------------
case("threads_list_empty", "threads.list and items.list with nothing stored.",
     tlist(), tlist(order="asc", limit=0), tlist(limit=1, order="desc", after=None), ilist(tid="thr_00000000", order="asc"))
case("threads_list_pagination", "3 threads: default desc, limit, after cursor, asc, exact page, after last, limit 0 (=20), limit as string, unknown cursor.",
     create("one"), create("two"), create("three"),
     tlist(),
     tlist(limit=2),
     tlist(limit=2, after="$step4/after"),
     tlist(order="asc", limit=3),
     tlist(order="asc", after="$thread:2"),
     tlist(limit=0),
     tlist(limit="1", order="asc"),
     tlist(after="thr_00000000"))
case("items_list_pagination", "4 items: exact page, desc limit 3 + cursor, asc, after last, limit 0, null limit, unknown cursor, missing thread.",
     create("a"), add("b"),
     ilist(limit=4),
     ilist(limit=3),
     ilist(limit=3, after="$step3/after"),
     ilist(order="asc", limit=2),
     ilist(order="asc", limit=2, after="$step5/after"),
     ilist(order="asc", after="$assistant_message:1"),
     ilist(limit=0),
     ilist(limit=None, after=None),
     ilist(after="msg_00000000"),
     ilist(tid="thr_00000000"))
case("get_by_id_over_20", "22 items: get_by_id returns the oldest 20 (asc) with has_more and after.",
     create("m0"), *[add(f"m{i}") for i in range(1, 11)], get(),
     ilist(order="asc", after="$step11/items/after"))

# --- JSON ops --------------------------------------------------------------------
case("update_and_delete", "threads.update returns the thread with empty items; delete returns {} (also when repeated); later ops on it fail.",
     create("to delete"),
     {"type": "threads.update", "params": {"thread_id": "$thread:0", "title": ""}},
     get(),
     {"type": "threads.delete", "params": {"thread_id": "$thread:0"}},
     get(), tlist(),
     {"type": "threads.delete", "params": {"thread_id": "$thread:0"}},
     {"type": "threads.update", "params": {"thread_id": "$thread:0", "title": "x"}},
     add("hello"),
     ilist())
case("feedback", "items.feedback returns {} whatever the ids; invalid kind fails validation.",
     create("hello"),
     {"type": "items.feedback", "params": {"thread_id": "$thread:0", "item_ids": ["$assistant_message:0"], "kind": "positive"}},
     {"type": "items.feedback", "params": {"thread_id": "thr_00000000", "item_ids": [], "kind": "negative"}},
     {"type": "items.feedback", "params": {"thread_id": "$thread:0", "item_ids": ["x"], "kind": "neutral"}})
case("attachments", "attachments.create (file and image), use in threads.create (embedded with thread_id), delete (also unknown id).",
     {"type": "attachments.create", "params": {"name": "notes.txt", "size": 12, "mime_type": "text/plain"}},
     {"type": "attachments.create", "params": {"name": "pic.png", "size": "2048", "mime_type": "image/png"}},
     create("with files", attachments=["$attachment:0", "$attachment:1"]),
     get(),
     {"type": "attachments.delete", "params": {"attachment_id": "$attachment:0"}},
     {"type": "attachments.delete", "params": {"attachment_id": "atc_00000000"}},
     get())
case("attachment_errors", "unknown attachment id: threads.create fails *after* thread.created (orphan thread remains); add_user_message fails before any event; deleted attachment can't be used.",
     create("x", attachments=["atc_00000000"]),
     tlist(),
     add("y", attachments=["atc_00000000"]),
     {"type": "attachments.create", "params": {"name": "a.bin", "size": 1, "mime_type": "application/octet-stream"}},
     {"type": "attachments.delete", "params": {"attachment_id": "$attachment:0"}},
     add("z", attachments=["$attachment:0"]),
     get())
case("transcribe", "input.transcribe: default transcribe() raises; invalid base64 raises too.",
     {"type": "input.transcribe", "params": {"audio_base64": "AAAA", "mime_type": "audio/webm;codecs=opus"}},
     {"type": "input.transcribe", "params": {"audio_base64": "!!!", "mime_type": "audio/webm"}},
     {"type": "input.transcribe", "params": {"mime_type": "audio/webm"}})

# --- request validation ----------------------------------------------------------
case("malformed_requests", "bad JSON, non-object, unknown type, missing/null params, missing fields, bad literals, bad metadata: all escape process().",
     {"raw": "{not json"},
     {"raw": ""},
     {"raw": "[]"},
     {"raw": '{"type":"threads.list","params":{}} trailing'},
     {"type": "threads.frobnicate", "params": {}},
     {"params": {}},
     {"type": "threads.list"},
     {"type": "threads.list", "params": None},
     {"type": "threads.get_by_id", "params": {}},
     {"type": "threads.add_user_message", "params": {"input": inp("x")}},
     {"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "x"}], "inference_options": {}}}},
     {"type": "threads.create", "params": {"input": {"content": [{"type": "input_text", "text": "x"}], "attachments": []}}},
     {"type": "threads.create", "params": {"input": inp(parts=[{"type": "input_image", "url": "x"}])}},
     tlist(order="ASC"),
     tlist(limit=2.5),
     {"type": "threads.list", "params": {}, "metadata": None},
     {"type": "threads.update", "params": {"thread_id": "thr_00000000", "title": 5}},
     {"type": "threads.add_client_tool_output", "params": {"thread_id": "thr_00000000"}},
     {"type": "attachments.create", "params": {"name": "a", "mime_type": "text/plain"}},
     tlist())
case("lenient_requests", "unknown keys are ignored at every level, metadata is ignored, numeric strings coerce, whole-number floats coerce.",
     {"type": "threads.create", "metadata": {"anything": [1, 2]}, "extra": True,
      "params": {"unknown": 1, "input": {"content": [{"type": "input_text", "text": "lenient", "zzz": 1}], "attachments": [],
                                          "inference_options": {"model": None, "foo": "bar"}, "quoted_text": None, "bogus": {}}}},
     tlist(limit=1.0, extra="x"),
     {"raw": '{"type":"threads.list","params":{"limit":5},"params":{"limit":1}}'},
     ilist(limit="2", order="asc", junk=[]))
case("missing_thread", "operations on a thread id that does not exist.",
     get("thr_00000000"),
     add("hi", tid="thr_00000000"),
     {"type": "threads.update", "params": {"thread_id": "thr_00000000", "title": "x"}},
     {"type": "threads.delete", "params": {"thread_id": "thr_00000000"}},
     ilist(tid="thr_00000000"),
     action(None, tid="thr_00000000"),
     retry("msg_00000000", tid="thr_00000000"),
     tool_output(1, tid="thr_00000000"),
     structured("msg_00000000", tid="thr_00000000"))
case("foreign_thread", "alice's thread is invisible to bob: load fails, lists are empty, delete is a no-op.",
     create("alice's"),
     as_user("bob", get()),
     as_user("bob", add("intrude")),
     as_user("bob", tlist()),
     as_user("bob", ilist()),
     as_user("bob", {"type": "threads.update", "params": {"thread_id": "$thread:0", "title": "pwned"}}),
     as_user("bob", {"type": "threads.delete", "params": {"thread_id": "$thread:0"}}),
     as_user("bob", action("$user_message:0", sync=True)),
     get(), tlist())

Path(__file__).with_name("cases.json").write_text(json.dumps(C, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"{len(C)} cases")
