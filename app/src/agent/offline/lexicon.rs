//! Reading one message: digits, due phrases, priorities, tags, ordinals and the command verbs,
//! in English, Urdu script and Roman Urdu (its language and normal form: `agent::language`).

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use crate::agent::language::YES;

/// Which task a command points at.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskRef {
    Id(i64),
    /// 1-based position in the last listing; 0 means "the last one".
    Ordinal(usize),
    Title(String),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    pub title: Option<String>,
    pub priority: Option<&'static str>,
    /// YYYY-MM-DD, or "none" to clear.
    pub due: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Intent {
    Add {
        title: String,
        due: Option<String>,
        priority: Option<&'static str>,
        tags: Vec<String>,
    },
    List {
        status: &'static str,
        due: Option<&'static str>,
        priority: Option<&'static str>,
        tag: Option<String>,
    },
    Complete(TaskRef),
    Delete(TaskRef),
    Update(TaskRef, Changes),
    Yes,
    No,
    Help,
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn weekday(w: &str) -> Option<Weekday> {
    Some(match w {
        "monday" | "mon" | "پیر" | "peer" | "pir" => Weekday::Mon,
        "tuesday" | "tue" | "منگل" | "mangal" => Weekday::Tue,
        "wednesday" | "wed" | "بدھ" | "budh" | "budh ko" => Weekday::Wed,
        "thursday" | "thu" | "جمعرات" | "jumeraat" | "jumerat" => Weekday::Thu,
        "friday" | "fri" | "جمعہ" | "juma" | "jumma" => Weekday::Fri,
        "saturday" | "sat" | "ہفتہ" | "hafta" => Weekday::Sat,
        "sunday" | "sun" | "اتوار" | "itwar" | "itwaar" => Weekday::Sun,
        _ => return None,
    })
}

/// Farthest a spoken "in N days" reaches; past it (or below zero) the words are no date.
pub const MAX_DAYS_AHEAD: i64 = 100 * 366;

/// `today + days`, checked: a number from the user's text can be anything.
fn days_after(today: NaiveDate, days: Option<i64>) -> Option<NaiveDate> {
    let days = days.filter(|d| (0..=MAX_DAYS_AHEAD).contains(d))?;
    today.checked_add_signed(Duration::days(days))
}

fn next_weekday(today: NaiveDate, w: Weekday) -> NaiveDate {
    let ahead =
        (w.num_days_from_monday() as i64 - today.weekday().num_days_from_monday() as i64 + 7) % 7;
    today + Duration::days(if ahead == 0 { 7 } else { ahead })
}

/// Finds a due phrase anywhere in `text`; returns the text without it and the date.
pub fn take_due(text: &str, now: DateTime<Utc>) -> (String, Option<String>) {
    let today = now.date_naive();
    let w: Vec<&str> = text.split_whitespace().collect();
    // Longest phrases first, at any position; connectives before them ("on", "by", "ko") go too.
    for i in 0..w.len() {
        let rest = &w[i..];
        let found: Option<(usize, NaiveDate)> = match rest {
            ["day", "after", "tomorrow", ..] => Some((3, today + Duration::days(2))),
            ["next", "week", ..] | ["اگلے", "ہفتے", ..] | ["agle", "hafte", ..] => {
                Some((2, today + Duration::days(7)))
            }
            ["in", n, unit, ..] if n.parse::<i64>().is_ok() => {
                let n = n.parse::<i64>().ok();
                let days = match *unit {
                    "day" | "days" => n,
                    "week" | "weeks" => n.and_then(|n| n.checked_mul(7)),
                    _ => None,
                };
                days_after(today, days).map(|d| (3, d))
            }
            [n, "din", "baad", ..] | [n, "دن", "بعد", ..] => {
                days_after(today, n.parse::<i64>().ok()).map(|d| (3, d))
            }
            ["next", d, ..] | ["this", d, ..] if weekday(d).is_some() => {
                Some((2, next_weekday(today, weekday(d).expect("checked"))))
            }
            ["today", ..] | ["tonight", ..] | ["آج", ..] | ["aaj", ..] => Some((1, today)),
            ["tomorrow", ..] | ["tmrw", ..] | ["کل", ..] | ["kal", ..] => {
                Some((1, today + Duration::days(1)))
            }
            ["پرسوں", ..] | ["parson", ..] | ["parsoon", ..] => {
                Some((1, today + Duration::days(2)))
            }
            [d, ..] if weekday(d).is_some() => {
                Some((1, next_weekday(today, weekday(d).expect("checked"))))
            }
            [d, ..] => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                .map(|d| (1, d)),
            [] => None,
        };
        if let Some((len, d)) = found {
            let mut start = i;
            if start > 0
                && ["on", "by", "for", "due", "until", "ko", "tak", "تک", "کو"]
                    .contains(&w[start - 1])
            {
                start -= 1;
            }
            let mut end = i + len;
            if end < w.len() && ["ko", "tak", "تک", "کو"].contains(&w[end]) {
                end += 1;
            }
            let kept: Vec<&str> = w[..start].iter().chain(w[end..].iter()).copied().collect();
            return (kept.join(" "), Some(date(d)));
        }
    }
    (text.to_string(), None)
}

/// Finds a priority phrase; returns the text without it and the priority.
pub fn take_priority(text: &str) -> (String, Option<&'static str>) {
    const PHRASES: &[(&str, &str)] = &[
        ("high priority", "high"),
        ("low priority", "low"),
        ("normal priority", "normal"),
        ("urgent priority", "urgent"),
        ("priority to high", "high"),
        ("priority to low", "low"),
        ("priority to urgent", "urgent"),
        ("priority to normal", "normal"),
        ("priority high", "high"),
        ("priority low", "low"),
        ("priority urgent", "urgent"),
        ("priority normal", "normal"),
        ("urgently", "urgent"),
        ("urgent", "urgent"),
        ("asap", "urgent"),
        ("important", "high"),
        ("بہت ضروری", "urgent"),
        ("فوری", "urgent"),
        ("ضروری", "high"),
        ("اہم", "high"),
        ("bohat zaroori", "urgent"),
        ("fori", "urgent"),
        ("zaroori", "high"),
        ("ahem", "high"),
    ];
    let padded = format!(" {text} ");
    for (phrase, p) in PHRASES {
        let needle = format!(" {phrase} ");
        if let Some(pos) = padded.find(&needle) {
            let rest = format!("{} {}", &padded[..pos], &padded[pos + needle.len()..]);
            let rest = rest.trim().trim_end_matches(" with").trim().to_string();
            return (squash(&rest), Some(p));
        }
    }
    (text.to_string(), None)
}

/// `#word` tokens (not `#12`, which is an id).
pub fn take_tags(text: &str) -> (String, Vec<String>) {
    let mut tags = Vec::new();
    let mut kept = Vec::new();
    for w in text.split_whitespace() {
        match w.strip_prefix('#') {
            Some(t) if !t.is_empty() && t.parse::<i64>().is_err() => tags.push(t.to_string()),
            _ => kept.push(w),
        }
    }
    (kept.join(" "), tags)
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ordinal(w: &str) -> Option<usize> {
    Some(match w {
        "first" | "1st" | "پہلا" | "پہلی" | "pehla" | "pehli" | "pela" => 1,
        "second" | "2nd" | "دوسرا" | "دوسری" | "doosra" | "dusra" | "doosri" | "dusri" => {
            2
        }
        "third" | "3rd" | "تیسرا" | "تیسری" | "teesra" | "tesra" | "teesri" => 3,
        "fourth" | "4th" | "چوتھا" | "چوتھی" | "chautha" | "chotha" | "chauthi" => 4,
        "fifth" | "5th" | "پانچواں" | "پانچویں" | "panchwan" | "panchvan" => 5,
        "last" | "آخری" | "aakhri" | "akhri" => 0,
        _ => return None,
    })
}

const FILLER: &[&str] = &[
    "the", "a", "my", "task", "tasks", "todo", "item", "one", "number", "no", "no.", "please",
    "کام", "ٹاسک", "والا", "والی", "کو", "wala", "wali", "ko", "ka", "ki", "plz",
];

/// What a command's object names: an id, a position in the last list, or words of a title.
pub fn task_ref(rest: &str) -> Option<TaskRef> {
    let words: Vec<&str> = rest
        .split_whitespace()
        .filter(|w| !FILLER.contains(w))
        .collect();
    if words.is_empty() {
        return None;
    }
    if let [w] = words.as_slice() {
        if let Ok(id) = w.trim_start_matches('#').parse::<i64>() {
            return Some(TaskRef::Id(id));
        }
    }
    if words.len() <= 2 {
        if let Some(n) = words.iter().find_map(|w| ordinal(w)) {
            return Some(TaskRef::Ordinal(n));
        }
    }
    // A title: keep the user's words (fillers only trimmed at the edges).
    Some(TaskRef::Title(words.join(" ")))
}

fn strip_any_prefix<'a>(s: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .map(str::trim)
}

fn strip_any_suffix<'a>(s: &'a str, suffixes: &[&str]) -> Option<&'a str> {
    suffixes
        .iter()
        .find_map(|p| s.strip_suffix(p))
        .map(str::trim)
}

const NO: &[&str] = &[
    "no",
    "n",
    "nope",
    "cancel",
    "don't",
    "dont",
    "stop",
    "nahi",
    "nahin",
    "na",
    "mat karo",
    "نہیں",
    "نہ",
    "رہنے دو",
    "rehne do",
];

const ADD_PREFIX: &[&str] = &[
    "add task ",
    "add a task ",
    "add ",
    "create task ",
    "create ",
    "new task ",
    "remind me to ",
    "نیا کام ",
    "naya kaam ",
    "naya task ",
];
const ADD_SUFFIX: &[&str] = &[
    " شامل کر دو",
    " شامل کرو",
    " شامل کریں",
    " شامل کرنا",
    " لکھ لو",
    " لکھو",
    " add kar do",
    " add karo",
    " add kardo",
    " shamil karo",
    " shamil kar do",
    " likh lo",
    " likho",
    " daal do",
    " dal do",
];
const DONE_PREFIX: &[&str] = &[
    "mark ",
    "complete ",
    "finish ",
    "finished ",
    "done with ",
    "done ",
    "check off ",
    "tick off ",
    "i finished ",
    "i did ",
    "i've done ",
    "close ",
];
const DONE_SUFFIX: &[&str] = &[
    " as done",
    " as complete",
    " as completed",
    " as finished",
    " done",
    " complete",
    " completed",
    " finished",
    " مکمل کر دو",
    " مکمل کرو",
    " مکمل کریں",
    " مکمل ہو گیا",
    " ہو گیا",
    " ختم کرو",
    " mukammal karo",
    " mukammal kar do",
    " complete karo",
    " complete kar do",
    " done karo",
    " done kar do",
    " ho gaya",
    " khatam karo",
    " khatam kar do",
];
const DELETE_PREFIX: &[&str] = &["delete ", "remove ", "drop ", "erase ", "get rid of "];
const DELETE_SUFFIX: &[&str] = &[
    " حذف کر دو",
    " حذف کرو",
    " حذف کریں",
    " ہٹا دو",
    " ہٹاؤ",
    " مٹا دو",
    " ڈیلیٹ کرو",
    " delete karo",
    " delete kar do",
    " hata do",
    " hatao",
    " mita do",
    " nikal do",
];
const LIST_WORDS: &[&str] = &[
    "list",
    "show",
    "what's left",
    "whats left",
    "what is left",
    "what do i have",
    "what's on",
    "tasks",
    "my tasks",
    "what's due",
    "whats due",
    "what is due",
    "anything due",
    "overdue",
    "pending",
    "remaining",
    "open tasks",
    "done tasks",
    "completed tasks",
    "todo list",
];

/// Reads one (normalized) message.
pub fn parse(t: &str, now: DateTime<Utc>) -> Intent {
    if YES.contains(&t) {
        return Intent::Yes;
    }
    if NO.contains(&t) {
        return Intent::No;
    }
    if let Some(i) = parse_update(t, now) {
        return i;
    }
    let add_body = strip_any_prefix(t, ADD_PREFIX).or_else(|| strip_any_suffix(t, ADD_SUFFIX));
    if let Some(body) = add_body {
        // "add a new task called 'X' tomorrow": the naming words go, and a quoted title is
        // taken whole (a date word inside the quotes stays part of it).
        let body = strip_any_prefix(body, &["a new task ", "new task ", "a task ", "task "])
            .unwrap_or(body);
        let body = strip_any_prefix(body, &["called ", "named ", "titled "]).unwrap_or(body);
        let (quoted, body) = match take_quoted(body) {
            Some((title, rest)) => (Some(title), rest),
            None => (None, body),
        };
        let (body, due) = take_due(body, now);
        let (body, priority) = take_priority(&body);
        let (body, tags) = take_tags(&body);
        let title = squash(quoted.unwrap_or(&body));
        if !title.is_empty() {
            return Intent::Add {
                title,
                due,
                priority,
                tags,
            };
        }
    }
    // Questions and list requests first, so "what's done?" is not read as completing "what's".
    if ["list", "show", "what", "which", "how many", "any "]
        .iter()
        .any(|w| t.starts_with(w))
    {
        return list(t);
    }
    if let Some(rest) =
        strip_any_suffix(t, DONE_SUFFIX).or_else(|| strip_any_prefix(t, DONE_PREFIX))
    {
        let rest = strip_any_prefix(rest, DONE_PREFIX).unwrap_or(rest);
        if let Some(r) = task_ref(rest) {
            return Intent::Complete(r);
        }
    }
    if let Some(rest) =
        strip_any_prefix(t, DELETE_PREFIX).or_else(|| strip_any_suffix(t, DELETE_SUFFIX))
    {
        if let Some(r) = task_ref(rest) {
            return Intent::Delete(r);
        }
    }
    if is_list(t) {
        return list(t);
    }
    Intent::Help
}

/// A title in quotes at the start: `'x y' rest` → (`x y`, `rest`).
fn take_quoted(s: &str) -> Option<(&str, &str)> {
    let open = s.chars().next()?;
    let close = match open {
        '\'' | '"' => open,
        '“' => '”',
        _ => return None,
    };
    let inner = &s[open.len_utf8()..];
    let end = inner.find(close)?;
    let title = inner[..end].trim();
    (!title.is_empty()).then(|| (title, &inner[end + close.len_utf8()..]))
}

fn is_list(t: &str) -> bool {
    LIST_WORDS.iter().any(|w| t.starts_with(w) || t.contains(w))
        || ["دکھاؤ", "دکھائیں", "دکھا دو", "فہرست", "باقی", "بتاؤ"]
            .iter()
            .any(|w| t.contains(w))
        || ["dikhao", "dikha do", "batao", "baqi", "baki", "list"]
            .iter()
            .any(|w| t.contains(w))
}

fn list(t: &str) -> Intent {
    let has = |ws: &[&str]| ws.iter().any(|w| t.contains(w));
    let status = if has(&[
        "done",
        "completed",
        "finished",
        "مکمل شدہ",
        "ho gaye",
        "mukammal shuda",
    ]) {
        "done"
    } else if has(&[
        "left",
        "open",
        "pending",
        "remaining",
        "todo",
        "باقی",
        "baqi",
        "baki",
        "overdue",
        "due",
    ]) {
        "open"
    } else {
        "all"
    };
    let due = if has(&["overdue", "late", "past due", "گزر", "guzar"]) {
        Some("overdue")
    } else if has(&["today", "آج", "aaj"]) {
        Some("today")
    } else if has(&["this week", "اس ہفتے", "is hafte"]) {
        Some("week")
    } else {
        None
    };
    let (_, priority) = take_priority(t);
    let (_, tags) = take_tags(t);
    Intent::List {
        status,
        due,
        priority,
        tag: tags.into_iter().next(),
    }
}

/// rename / set priority / move (due) commands.
fn parse_update(t: &str, now: DateTime<Utc>) -> Option<Intent> {
    // English: "rename X to Y", "change X title to Y", "call X Y"?
    if let Some(rest) = strip_any_prefix(t, &["rename "]) {
        let (what, to) = rest.split_once(" to ")?;
        return Some(Intent::Update(
            task_ref(what)?,
            Changes {
                title: Some(squash(to)),
                ..Default::default()
            },
        ));
    }
    // "set task 4 priority high", "set X priority to high", "change X priority to urgent",
    // "make X urgent", "make X high priority".
    if let Some(rest) = strip_any_prefix(t, &["set ", "change ", "make ", "mark "]) {
        let (what, priority) = take_priority(rest);
        if let Some(p) = priority {
            let what = what
                .trim_end_matches(" to")
                .trim_end_matches(" priority")
                .trim_end_matches(" as")
                .trim_end_matches("'s");
            return Some(Intent::Update(
                task_ref(what)?,
                Changes {
                    priority: Some(p),
                    ..Default::default()
                },
            ));
        }
        if let Some((what, due)) = rest.split_once(" due ") {
            return due_change(what, due, now);
        }
    }
    // "move X to friday", "postpone X to next week", "reschedule X for tomorrow".
    if let Some(rest) = strip_any_prefix(t, &["move ", "postpone ", "reschedule ", "push "]) {
        let (what, when) = rest
            .rsplit_once(" to ")
            .or_else(|| rest.rsplit_once(" for "))
            .or_else(|| rest.rsplit_once(" until "))?;
        return due_change(what, when, now);
    }
    // Roman Urdu: "task 2 ka naam X rakho", "task 4 ki priority high karo", "task 3 ko kal par karo".
    // Urdu: "کام 2 کا نام X رکھو", "کام 4 کی ترجیح فوری کرو".
    for (sep, end) in [
        (" ka naam ", " rakho"),
        (" کا نام ", " رکھو"),
        (" ka naam ", " rakh do"),
    ] {
        if let Some((what, to)) = t.split_once(sep) {
            if let Some(to) = to.strip_suffix(end) {
                return Some(Intent::Update(
                    task_ref(what)?,
                    Changes {
                        title: Some(squash(to)),
                        ..Default::default()
                    },
                ));
            }
        }
    }
    for (sep, end) in [
        (" ki priority ", " karo"),
        (" ki priority ", " kar do"),
        (" کی ترجیح ", " کرو"),
        (" کی ترجیح ", " کر دو"),
    ] {
        if let Some((what, p)) = t.split_once(sep) {
            let p = p.strip_suffix(end)?;
            let p = match p {
                "high" | "ziada" | "zyada" | "زیادہ" | "اعلی" => "high",
                "low" | "kam" | "کم" => "low",
                "normal" | "عام" | "aam" => "normal",
                "urgent" | "fori" | "فوری" => "urgent",
                _ => return None,
            };
            return Some(Intent::Update(
                task_ref(what)?,
                Changes {
                    priority: Some(p),
                    ..Default::default()
                },
            ));
        }
    }
    for (sep, end) in [
        (" ko ", " par karo"),
        (" ko ", " pe karo"),
        (" ko ", " kar do"),
        (" کو ", " پر کرو"),
        (" کو ", " پر منتقل کرو"),
        (" کو ", " کر دو"),
    ] {
        if let Some((what, when)) = t.split_once(sep) {
            if let Some(when) = when.strip_suffix(end) {
                if let Some(i) = due_change(what, when, now) {
                    return Some(i);
                }
            }
        }
    }
    None
}

fn due_change(what: &str, when: &str, now: DateTime<Utc>) -> Option<Intent> {
    let due = if ["none", "never", "no date"].contains(&when.trim()) {
        "none".to_string()
    } else {
        let (left, due) = take_due(when, now);
        if !left.trim().is_empty() {
            return None;
        }
        due?
    };
    Some(Intent::Update(
        task_ref(what)?,
        Changes {
            due: Some(due),
            ..Default::default()
        },
    ))
}
