//! Fuzzes the offline assistant on arbitrary text mixed with its own words (English, Urdu
//! script, Roman Urdu): whole conversations are planned and their tool calls answered, no panic.
#![no_main]

use std::sync::OnceLock;

use app::agent::offline::{parse, plan_for};
use app::agent::{ChatMessage, ModelEvent, ToolCall};
use chrono::{DateTime, Duration, Utc};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

/// The assistant's vocabulary: the committed dictionary, unescaped.
fn words() -> &'static [String] {
    static WORDS: OnceLock<Vec<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        include_str!("../dicts/offline_assistant.dict")
            .lines()
            .filter_map(|l| l.strip_prefix('"')?.strip_suffix('"'))
            .map(unescape)
            .collect()
    })
}

fn unescape(s: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'\\' && tail.len() >= 3 && tail[0] == b'x' {
            let hex = std::str::from_utf8(&tail[1..3]).unwrap();
            bytes.push(u8::from_str_radix(hex, 16).unwrap());
            rest = &tail[3..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// Bytes to text: `0xFE n` stands for the n-th word of the vocabulary, the rest is UTF-8 (lossy).
fn text(segment: &[u8]) -> String {
    let words = words();
    let mut out = String::new();
    let mut raw = Vec::new();
    let mut it = segment.iter();
    while let Some(&b) = it.next() {
        if b == 0xFE {
            out.push_str(&String::from_utf8_lossy(&std::mem::take(&mut raw)));
            let n = it.next().copied().unwrap_or(0) as usize;
            out.push_str(&words[n * 7 % words.len()]);
        } else {
            raw.push(b);
        }
    }
    out.push_str(&String::from_utf8_lossy(&raw));
    out
}

/// A task as the tools return it, titled from the conversation.
fn task(id: i64, title: &str, due: &str) -> Value {
    json!({"id": id, "title": title, "done": false, "priority": "high", "due": due, "tags": ["x"]})
}

/// What a tool answers, with the fuzzed text in the places a user could put it.
fn tool_result(call: &ToolCall, title: &str, variant: u8) -> String {
    let t = task(variant as i64, title, "2026-12-05 23:59 UTC");
    match (call.name.as_str(), variant % 4) {
        (_, 0) => json!({"error": title}),
        ("list_tasks", 1) => json!({"tasks": []}),
        ("list_tasks", 2) => json!({"tasks": [t]}),
        ("list_tasks", _) => json!({"tasks": [t, task(2, title, "x"), task(-1, "", "")]}),
        ("add_task", _) => json!({"added": t}),
        ("complete_task", _) => json!({"completed": t}),
        ("delete_task", 1) => json!({"awaiting_confirmation": t}),
        ("delete_task", _) => json!({"deleted": t}),
        ("update_task", _) => json!({"updated": t}),
        _ => Value::String(title.into()),
    }
    .to_string()
}

fuzz_target!(|data: &[u8]| {
    let Some((head, body)) = data.split_first_chunk::<4>() else {
        return;
    };
    // Any clock from 1900 to 2150, so day arithmetic meets the edges of the calendar.
    let offset = i32::from_le_bytes(*head) as i64 % (125 * 366 * 86_400);
    let now: DateTime<Utc> = DateTime::from_timestamp(4_102_444_800, 0).unwrap() // 2100-01-01
        - Duration::days(75 * 366)
        + Duration::seconds(offset);
    let locale = (head[0] & 1 == 1).then_some("ur");

    // Segments split by 0xFF; each one's first byte says whose message it is.
    let mut messages = Vec::new();
    for segment in body.split(|b| *b == 0xFF) {
        let Some((&role, rest)) = segment.split_first() else {
            continue;
        };
        let said = text(rest);
        messages.push(match role % 4 {
            0 | 1 => ChatMessage::User(said),
            2 => ChatMessage::Assistant {
                text: said,
                tool_calls: Vec::new(),
            },
            _ => ChatMessage::Tool {
                call_id: "call_fuzz".into(),
                content: said,
            },
        });
        if let Some(ChatMessage::User(said)) = messages.last() {
            let _ = parse(said, now);
        }
    }

    // The agent loop: tool calls are answered until the assistant speaks (or gives up).
    let title = match messages.last() {
        Some(ChatMessage::User(t)) => t.clone(),
        _ => String::new(),
    };
    for step in 0..4u8 {
        let events = plan_for(&messages, now, locale);
        let calls: Vec<ToolCall> = events
            .into_iter()
            .filter_map(|e| match e {
                ModelEvent::ToolCall(c) => Some(c),
                ModelEvent::TextDelta(_) => None,
            })
            .collect();
        if calls.is_empty() {
            break;
        }
        for c in &calls {
            let args: Value = serde_json::from_str(&c.arguments).expect("tool arguments are JSON");
            assert!(args.is_object(), "tool arguments are an object: {args}");
        }
        let results: Vec<ChatMessage> = calls
            .iter()
            .map(|c| ChatMessage::Tool {
                call_id: c.id.clone(),
                content: tool_result(c, &title, head[1].wrapping_add(step)),
            })
            .collect();
        messages.push(ChatMessage::Assistant {
            text: String::new(),
            tool_calls: calls,
        });
        messages.extend(results);
    }
});
