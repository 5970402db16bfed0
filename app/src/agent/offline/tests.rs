//! Utterance → tool-call table (English, Urdu script, Roman Urdu) and the multi-step flows.

use chrono::TimeZone;
use serde_json::{json, Value};

use super::*;

/// Sunday 2026-11-22, noon UTC.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

const LISTING: &str =
    "You have 3 tasks:\n1. **buy milk** (#12)\n2. **call mom** (#15)\n3. **pay rent** (#20)";

fn calls(events: &[ModelEvent]) -> Vec<(String, Value)> {
    events
        .iter()
        .filter_map(|e| match e {
            ModelEvent::ToolCall(c) => Some((
                c.name.clone(),
                serde_json::from_str(&c.arguments).expect("arguments are JSON"),
            )),
            _ => None,
        })
        .collect()
}

fn said(events: &[ModelEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ModelEvent::TextDelta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// A conversation whose previous answer listed tasks #12, #15, #20, then `text`.
fn after_listing(text: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::System("instructions".into()),
        ChatMessage::User("what's left?".into()),
        ChatMessage::Assistant {
            text: LISTING.into(),
            tool_calls: vec![],
        },
        ChatMessage::User(text.into()),
    ]
}

#[test]
fn utterances_become_the_expected_tool_calls() {
    let lookup_open = || Some(("list_tasks", json!({"status": "open", "limit": 100})));
    let lookup_all = || Some(("list_tasks", json!({"status": "all", "limit": 100})));
    let table: Vec<(&str, Option<(&str, Value)>)> = vec![
        // English: add
        (
            "add buy milk",
            Some(("add_task", json!({"title": "buy milk"}))),
        ),
        (
            "Add buy milk tomorrow",
            Some((
                "add_task",
                json!({"title": "buy milk", "due": "2026-11-23"}),
            )),
        ),
        (
            "add pay rent today",
            Some((
                "add_task",
                json!({"title": "pay rent", "due": "2026-11-22"}),
            )),
        ),
        (
            "add call the bank on friday",
            Some((
                "add_task",
                json!({"title": "call the bank", "due": "2026-11-27"}),
            )),
        ),
        (
            "add renew passport next week",
            Some((
                "add_task",
                json!({"title": "renew passport", "due": "2026-11-29"}),
            )),
        ),
        (
            "add water plants in 3 days",
            Some((
                "add_task",
                json!({"title": "water plants", "due": "2026-11-25"}),
            )),
        ),
        (
            "add file taxes by 2026-12-01",
            Some((
                "add_task",
                json!({"title": "file taxes", "due": "2026-12-01"}),
            )),
        ),
        (
            "add fix the roof urgent",
            Some((
                "add_task",
                json!({"title": "fix the roof", "priority": "urgent"}),
            )),
        ),
        (
            "add prepare slides high priority #work",
            Some((
                "add_task",
                json!({"title": "prepare slides", "priority": "high", "tags": ["work"]}),
            )),
        ),
        (
            "remind me to call mom day after tomorrow",
            Some((
                "add_task",
                json!({"title": "call mom", "due": "2026-11-24"}),
            )),
        ),
        (
            "create task book flights next monday",
            Some((
                "add_task",
                json!({"title": "book flights", "due": "2026-11-23"}),
            )),
        ),
        (
            "new task read a book",
            Some(("add_task", json!({"title": "read a book"}))),
        ),
        // English: list
        (
            "what's left?",
            Some(("list_tasks", json!({"status": "open"}))),
        ),
        (
            "What’s left",
            Some(("list_tasks", json!({"status": "open"}))),
        ),
        (
            "show my tasks",
            Some(("list_tasks", json!({"status": "all"}))),
        ),
        ("list", Some(("list_tasks", json!({"status": "all"})))),
        (
            "what's due today?",
            Some(("list_tasks", json!({"status": "open", "due": "today"}))),
        ),
        (
            "show overdue tasks",
            Some(("list_tasks", json!({"status": "open", "due": "overdue"}))),
        ),
        (
            "show done tasks",
            Some(("list_tasks", json!({"status": "done"}))),
        ),
        (
            "list urgent tasks",
            Some(("list_tasks", json!({"status": "all", "priority": "urgent"}))),
        ),
        (
            "show #work tasks",
            Some(("list_tasks", json!({"status": "all", "tag": "work"}))),
        ),
        (
            "what do I have this week",
            Some(("list_tasks", json!({"status": "all", "due": "week"}))),
        ),
        // English: complete / delete / update
        (
            "mark task 3 done",
            Some(("complete_task", json!({"task_id": 3}))),
        ),
        (
            "complete #7",
            Some(("complete_task", json!({"task_id": 7}))),
        ),
        (
            "finish task 4",
            Some(("complete_task", json!({"task_id": 4}))),
        ),
        ("mark the groceries done", lookup_open()),
        (
            "mark the second one as done",
            Some(("complete_task", json!({"task_id": 15}))),
        ),
        (
            "complete the first",
            Some(("complete_task", json!({"task_id": 12}))),
        ),
        (
            "finish the last one",
            Some(("complete_task", json!({"task_id": 20}))),
        ),
        (
            "delete task 3",
            Some(("delete_task", json!({"task_id": 3}))),
        ),
        ("remove #9", Some(("delete_task", json!({"task_id": 9})))),
        (
            "delete the third one",
            Some(("delete_task", json!({"task_id": 20}))),
        ),
        ("delete the groceries", lookup_all()),
        (
            "rename task 2 to buy oat milk",
            Some((
                "update_task",
                json!({"task_id": 2, "title": "buy oat milk"}),
            )),
        ),
        (
            "rename the second one to call dad",
            Some(("update_task", json!({"task_id": 15, "title": "call dad"}))),
        ),
        (
            "set task 4 priority high",
            Some(("update_task", json!({"task_id": 4, "priority": "high"}))),
        ),
        (
            "make task 5 urgent",
            Some(("update_task", json!({"task_id": 5, "priority": "urgent"}))),
        ),
        (
            "set task 6 priority to low",
            Some(("update_task", json!({"task_id": 6, "priority": "low"}))),
        ),
        (
            "move task 2 to friday",
            Some(("update_task", json!({"task_id": 2, "due": "2026-11-27"}))),
        ),
        (
            "postpone the first one to next week",
            Some(("update_task", json!({"task_id": 12, "due": "2026-11-29"}))),
        ),
        ("move call mom to tomorrow", lookup_all()),
        (
            "set task 8 due 2026-12-24",
            Some(("update_task", json!({"task_id": 8, "due": "2026-12-24"}))),
        ),
        ("hello", None),
        // Urdu script
        (
            "دودھ خریدنا شامل کرو",
            Some(("add_task", json!({"title": "دودھ خریدنا"}))),
        ),
        (
            "دودھ خریدنا کل شامل کرو",
            Some((
                "add_task",
                json!({"title": "دودھ خریدنا", "due": "2026-11-23"}),
            )),
        ),
        (
            "بل جمع کرانا پرسوں شامل کریں",
            Some((
                "add_task",
                json!({"title": "بل جمع کرانا", "due": "2026-11-24"}),
            )),
        ),
        (
            "ڈاکٹر سے ملنا آج فوری شامل کرو",
            Some((
                "add_task",
                json!({"title": "ڈاکٹر سے ملنا", "due": "2026-11-22", "priority": "urgent"}),
            )),
        ),
        (
            "میرے کام دکھاؤ",
            Some(("list_tasks", json!({"status": "all"}))),
        ),
        (
            "کیا باقی ہے؟",
            Some(("list_tasks", json!({"status": "open"}))),
        ),
        (
            "آج کے کام دکھاؤ",
            Some(("list_tasks", json!({"status": "all", "due": "today"}))),
        ),
        (
            "کام ۳ مکمل کرو",
            Some(("complete_task", json!({"task_id": 3}))),
        ),
        (
            "کام ٣ مکمل کرو",
            Some(("complete_task", json!({"task_id": 3}))),
        ),
        (
            "دوسرا مکمل کرو",
            Some(("complete_task", json!({"task_id": 15}))),
        ),
        ("دودھ والا کام مکمل کرو", lookup_open()),
        (
            "کام ۵ حذف کرو",
            Some(("delete_task", json!({"task_id": 5}))),
        ),
        (
            "پہلا والا ہٹا دو",
            Some(("delete_task", json!({"task_id": 12}))),
        ),
        (
            "کام ۲ کا نام سبزی خریدنا رکھو",
            Some(("update_task", json!({"task_id": 2, "title": "سبزی خریدنا"}))),
        ),
        (
            "کام ۴ کی ترجیح فوری کرو",
            Some(("update_task", json!({"task_id": 4, "priority": "urgent"}))),
        ),
        (
            "کام ۲ کو جمعہ پر کرو",
            Some(("update_task", json!({"task_id": 2, "due": "2026-11-27"}))),
        ),
        ("السلام علیکم", None),
        // Roman Urdu
        (
            "doodh lena add karo",
            Some(("add_task", json!({"title": "doodh lena"}))),
        ),
        (
            "doodh lena kal add karo",
            Some((
                "add_task",
                json!({"title": "doodh lena", "due": "2026-11-23"}),
            )),
        ),
        (
            "bijli ka bill parson shamil karo",
            Some((
                "add_task",
                json!({"title": "bijli ka bill", "due": "2026-11-24"}),
            )),
        ),
        (
            "ammi ko phone karna aaj zaroori add karo",
            Some((
                "add_task",
                json!({"title": "ammi ko phone karna", "due": "2026-11-22", "priority": "high"}),
            )),
        ),
        (
            "meri tasks dikhao",
            Some(("list_tasks", json!({"status": "all"}))),
        ),
        (
            "kya baqi hai?",
            Some(("list_tasks", json!({"status": "open"}))),
        ),
        (
            "task 3 mukammal karo",
            Some(("complete_task", json!({"task_id": 3}))),
        ),
        (
            "doosra complete karo",
            Some(("complete_task", json!({"task_id": 15}))),
        ),
        ("doodh wala task ho gaya", lookup_open()),
        (
            "task ۷ delete karo",
            Some(("delete_task", json!({"task_id": 7}))),
        ),
        (
            "teesra hata do",
            Some(("delete_task", json!({"task_id": 20}))),
        ),
        (
            "task 2 ka naam sabzi lena rakho",
            Some(("update_task", json!({"task_id": 2, "title": "sabzi lena"}))),
        ),
        (
            "task 4 ki priority high karo",
            Some(("update_task", json!({"task_id": 4, "priority": "high"}))),
        ),
        (
            "task 2 ko kal par karo",
            Some(("update_task", json!({"task_id": 2, "due": "2026-11-23"}))),
        ),
    ];
    assert!(table.len() >= 60, "{} rows", table.len());
    let mut failures = Vec::new();
    for (utterance, expected) in &table {
        let got = calls(&plan(&after_listing(utterance), now()));
        let want: Vec<(String, Value)> = expected
            .iter()
            .map(|(n, a)| (n.to_string(), a.clone()))
            .collect();
        if got != want {
            failures.push(format!("{utterance:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn day_counts_past_a_century_are_no_date_and_never_panic() {
    for text in [
        "add water the garden in 99999999 days",
        "add water the garden in 9223372036854775807 weeks",
        "add water the garden in -3 days",
        "add water the garden 99999999999 din baad",
    ] {
        let got = calls(&plan(&after_listing(text), now()));
        assert_eq!(got.len(), 1, "{text}: {got:?}");
        assert_eq!(got[0].0, "add_task", "{text}");
        assert!(got[0].1.get("due").is_none(), "{text}: {got:?}");
    }
    let edge =
        (now().date_naive() + chrono::Duration::days(lexicon::MAX_DAYS_AHEAD)).format("%Y-%m-%d");
    let got = calls(&plan(
        &after_listing(&format!(
            "add water the garden in {} days",
            lexicon::MAX_DAYS_AHEAD
        )),
        now(),
    ));
    assert_eq!(got[0].1["due"], json!(edge.to_string()));
}

#[test]
fn replies_are_in_the_language_of_the_message() {
    assert_eq!(language("دودھ خریدنا شامل کرو"), Lang::Urdu);
    assert_eq!(language("meri tasks dikhao"), Lang::RomanUrdu);
    assert_eq!(language("what's left?"), Lang::English);
    assert_eq!(language("add buy milk"), Lang::English);
    assert!(said(&plan(&after_listing("hello"), now())).starts_with("I can manage"));
    assert!(said(&plan(&after_listing("السلام علیکم"), now())).contains("شامل کرو"));
    assert!(said(&plan(&after_listing("kya haal hai"), now())).starts_with("Main aap"));
}

/// Runs the planner's tool calls against a fake result, as the agent loop would.
fn with_results(mut messages: Vec<ChatMessage>, results: &[Value]) -> Vec<ChatMessage> {
    let events = plan(&messages, now());
    let tool_calls: Vec<ToolCall> = events
        .iter()
        .filter_map(|e| match e {
            ModelEvent::ToolCall(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(tool_calls.len(), results.len(), "{events:?}");
    messages.push(ChatMessage::Assistant {
        text: String::new(),
        tool_calls: tool_calls.clone(),
    });
    for (c, r) in tool_calls.iter().zip(results) {
        messages.push(ChatMessage::Tool {
            call_id: c.id.clone(),
            content: r.to_string(),
        });
    }
    messages
}

fn task(id: i64, title: &str) -> Value {
    json!({"id": id, "title": title, "completed": false, "priority": "normal", "due": null, "tags": []})
}

fn conversation(text: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::System("instructions".into()),
        ChatMessage::User(text.into()),
    ]
}

#[test]
fn a_single_title_match_is_completed() {
    let tasks = json!({"count": 2, "tasks": [task(4, "Buy Grocériés"), task(5, "call mom")]});
    let m = with_results(conversation("mark the groceries done"), &[tasks]);
    assert_eq!(
        calls(&plan(&m, now())),
        vec![("complete_task".into(), json!({"task_id": 4}))]
    );
    let m = with_results(
        m,
        &[json!({"completed": {"id": 4, "title": "Buy Grocériés", "completed": true}})],
    );
    assert_eq!(
        said(&plan(&m, now())),
        "Marked **Buy Grocériés** (#4) as done."
    );
}

#[test]
fn several_title_matches_ask_which_and_an_ordinal_answer_acts() {
    let tasks = json!({"count": 3, "tasks": [task(4, "buy milk"), task(7, "buy bread"), task(9, "call mom")]});
    let m = with_results(conversation("complete buy"), &[tasks]);
    let question = said(&plan(&m, now()));
    assert!(question.starts_with("Which one do you mean?"), "{question}");
    assert!(question.contains("**buy milk** (#4)") && question.contains("**buy bread** (#7)"));
    assert!(!question.contains("call mom"));
    let next = vec![
        ChatMessage::System("instructions".into()),
        ChatMessage::User("complete buy".into()),
        ChatMessage::Assistant {
            text: question,
            tool_calls: vec![],
        },
        ChatMessage::User("the second one".into()),
    ];
    assert_eq!(
        calls(&plan(&next, now())),
        vec![("complete_task".into(), json!({"task_id": 7}))]
    );
}

#[test]
fn no_title_match_says_so_and_calls_nothing() {
    let m = with_results(
        conversation("mark the dentist done"),
        &[json!({"count": 1, "tasks": [task(4, "buy milk")]})],
    );
    let events = plan(&m, now());
    assert!(calls(&events).is_empty());
    assert_eq!(
        said(&events),
        "I couldn't find a task matching \"dentist\"."
    );
}

#[test]
fn delete_by_title_asks_and_yes_confirms() {
    for (ask, yes, marker) in [
        ("delete the groceries", "yes", "reply yes"),
        ("groceries hata do", "haan", "haan"),
        ("گروسری حذف کرو", "جی ہاں", "جی ہاں"),
    ] {
        let title = if ask.starts_with('گ') {
            "گروسری"
        } else {
            "groceries"
        };
        let m = with_results(
            conversation(ask),
            &[json!({"count": 1, "tasks": [task(4, title)]})],
        );
        // The planner asks for the delete; the agent holds it for confirmation (a widget)
        // because the words did not name the task exactly, and says so.
        let events = plan(&m, now());
        assert_eq!(
            calls(&events),
            vec![("delete_task".into(), json!({"task_id": 4}))]
        );
        let m = with_results(m, &[json!({"awaiting_confirmation": task(4, title)})]);
        let events = plan(&m, now());
        assert!(calls(&events).is_empty(), "nothing more before the answer");
        let question = said(&events);
        assert!(
            question.contains(marker) && question.contains("(#4)"),
            "{question}"
        );
        let next = vec![
            ChatMessage::User(ask.into()),
            ChatMessage::Assistant {
                text: question.clone(),
                tool_calls: vec![],
            },
            ChatMessage::User(yes.into()),
        ];
        assert_eq!(
            calls(&plan(&next, now())),
            vec![("delete_task".into(), json!({"task_id": 4}))],
            "{yes}"
        );
        let mut no = next.clone();
        no[2] = ChatMessage::User("no".into());
        assert!(calls(&plan(&no, now())).is_empty());
    }
}

#[test]
fn an_ordinal_without_a_listing_asks_for_one() {
    let events = plan(&conversation("complete the second one"), now());
    assert!(calls(&events).is_empty());
    assert!(said(&events).contains("what's left?"));
}

#[test]
fn listings_include_ids_and_urdu_templates() {
    let m = with_results(
        conversation("میرے کام دکھاؤ"),
        &[json!({"count": 1, "tasks": [task(3, "دودھ")]})],
    );
    assert_eq!(said(&plan(&m, now())), "آپ کے 1 کام:\n1. **دودھ** (#3)");
    let m = with_results(
        conversation("add buy milk"),
        &[json!({"added": task(1, "buy milk")})],
    );
    assert!(said(&plan(&m, now())).starts_with("Added **buy milk**"));
}

#[test]
fn a_message_without_words_is_answered_in_the_interface_language() {
    let m = conversation("?");
    assert!(said(&plan_for(&m, now(), Some("ur-PK"))).contains("شامل کرو"));
    assert!(said(&plan_for(&m, now(), Some("en-GB"))).starts_with("I can manage"));
    assert!(said(&plan_for(&m, now(), None)).starts_with("I can manage"));
    // Words decide over the interface language.
    let m = conversation("hello");
    assert!(said(&plan_for(&m, now(), Some("ur"))).starts_with("I can manage"));
}

#[test]
fn a_new_task_keeps_the_typed_spelling_and_loses_its_naming_words_and_quotes() {
    let title = |text: &str| match parse(text, now()) {
        Intent::Add { title, .. } => title,
        other => panic!("{text:?} read as {other:?}"),
    };
    assert_eq!(title("add a task called 'Meeting prep'"), "Meeting prep");
    assert_eq!(
        title("Add a new task named “Call Mom” tomorrow"),
        "Call Mom"
    );
    assert_eq!(
        title("add 'Plan the trip tomorrow' today"),
        "Plan the trip tomorrow"
    );
    assert_eq!(title("add Visit the Café tomorrow."), "Visit the Café");
    assert_eq!(title("add Buy milk #Home"), "Buy milk");
    assert_eq!(title("add buy milk"), "buy milk");
    assert_eq!(
        title("add task titled Q3 report, high priority"),
        "Q3 report"
    );
}
