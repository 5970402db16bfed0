//! What the offline assistant says, in English, Urdu script and Roman Urdu. Questions carry
//! markers (and task ids) that the next turn reads back from the previous assistant message.

use serde_json::Value;

use crate::agent::language::Lang;

/// Markers of the two questions the assistant asks, one per language.
pub const CONFIRM_MARKERS: &[&str] =
    &["or reply yes", "یا \"جی ہاں\" لکھیں", "ya \"haan\" likhein"];
pub const WHICH_MARKERS: &[&str] = &["Which one do you mean?", "کون سا کام", "Kaun sa task"];

/// "**title** (#id), due …" — the ids let later turns resolve "the second one".
pub fn task_line(t: &Value, lang: Lang) -> String {
    let title = t["title"].as_str().unwrap_or("");
    let mut line = format!("**{}** (#{})", title, t["id"]);
    if let Some(p) = t["priority"]
        .as_str()
        .filter(|p| *p == "high" || *p == "urgent")
    {
        line.push_str(&format!(" [{p}]"));
    }
    if let Some(due) = t["due"].as_str() {
        let due = due.trim_end_matches(" 23:59 UTC");
        line.push_str(&match lang {
            Lang::English => format!(", due {due}"),
            Lang::Urdu => format!("، آخری تاریخ {due}"),
            Lang::RomanUrdu => format!(", due {due}"),
        });
    }
    line
}

pub fn added(t: &Value, l: Lang) -> String {
    let line = task_line(t, l);
    match l {
        Lang::English => format!("Added {line}."),
        Lang::Urdu => format!("{line} شامل کر دیا گیا۔"),
        Lang::RomanUrdu => format!("{line} add kar diya."),
    }
}

pub fn completed(t: &Value, l: Lang) -> String {
    let line = task_line(t, l);
    match l {
        Lang::English => format!("Marked {line} as done."),
        Lang::Urdu => format!("{line} مکمل ہو گیا۔"),
        Lang::RomanUrdu => format!("{line} mukammal ho gaya."),
    }
}

pub fn deleted(t: &Value, l: Lang) -> String {
    let line = task_line(t, l);
    match l {
        Lang::English => format!("Deleted {line}."),
        Lang::Urdu => format!("{line} حذف کر دیا گیا۔"),
        Lang::RomanUrdu => format!("{line} delete kar diya."),
    }
}

pub fn updated(t: &Value, l: Lang) -> String {
    let line = task_line(t, l);
    match l {
        Lang::English => format!("Updated {line}."),
        Lang::Urdu => format!("{line} تبدیل کر دیا گیا۔"),
        Lang::RomanUrdu => format!("{line} update kar diya."),
    }
}

pub fn listing(tasks: &[Value], l: Lang) -> String {
    if tasks.is_empty() {
        return match l {
            Lang::English => "You have no tasks here.",
            Lang::Urdu => "یہاں کوئی کام نہیں۔",
            Lang::RomanUrdu => "Yahan koi task nahi.",
        }
        .into();
    }
    let n = tasks.len();
    let mut lines = vec![match l {
        Lang::English => format!("You have {n} task{}:", if n == 1 { "" } else { "s" }),
        Lang::Urdu => format!("آپ کے {n} کام:"),
        Lang::RomanUrdu => format!("Aap ke {n} tasks:"),
    }];
    for (i, t) in tasks.iter().enumerate() {
        let mark = if t["completed"].as_bool() == Some(true) {
            "~~"
        } else {
            ""
        };
        lines.push(format!("{}. {mark}{}{mark}", i + 1, task_line(t, l)));
    }
    lines.join("\n")
}

pub fn failed(err: &str, l: Lang) -> String {
    match l {
        Lang::English => format!("Sorry, I couldn't do that: {err}."),
        Lang::Urdu => format!("معذرت، یہ نہیں ہو سکا: {err}۔"),
        Lang::RomanUrdu => format!("Maaf kijiye, yeh nahi ho saka: {err}."),
    }
}

pub fn not_found(q: &str, l: Lang) -> String {
    match l {
        Lang::English => format!("I couldn't find a task matching \"{q}\"."),
        Lang::Urdu => format!("\"{q}\" سے ملتا کوئی کام نہیں ملا۔"),
        Lang::RomanUrdu => format!("\"{q}\" se milta koi task nahi mila."),
    }
}

pub fn which(tasks: &[Value], l: Lang) -> String {
    let mut s = match l {
        Lang::English => "Which one do you mean?",
        Lang::Urdu => "آپ کون سا کام کہہ رہے ہیں؟",
        Lang::RomanUrdu => "Kaun sa task? Number batayein:",
    }
    .to_string();
    for (i, t) in tasks.iter().enumerate() {
        s.push_str(&format!("\n{}. {}", i + 1, task_line(t, l)));
    }
    s
}

pub fn confirm_delete(t: &Value, l: Lang) -> String {
    let line = task_line(t, l);
    match l {
        Lang::English => format!("Delete {line}? Press Confirm above, or reply yes."),
        Lang::Urdu => format!("کیا {line} حذف کر دوں؟ اوپر تصدیق دبائیں، یا \"جی ہاں\" لکھیں۔"),
        Lang::RomanUrdu => {
            format!("Kya {line} delete kar doon? Upar Confirm dabayein, ya \"haan\" likhein.")
        }
    }
}

pub fn kept(l: Lang) -> String {
    match l {
        Lang::English => "OK, I won't delete it.",
        Lang::Urdu => "ٹھیک ہے، حذف نہیں کیا۔",
        Lang::RomanUrdu => "Theek hai, delete nahi kiya.",
    }
    .into()
}

pub fn no_listing(l: Lang) -> String {
    match l {
        Lang::English => {
            "Which list do you mean? Ask me \"what's left?\" first, then pick a number."
        }
        Lang::Urdu => "پہلے \"میرے کام دکھاؤ\" کہیں، پھر نمبر بتائیں۔",
        Lang::RomanUrdu => "Pehle \"meri tasks dikhao\" kahein, phir number batayein.",
    }
    .into()
}

pub fn out_of_range(n: usize, len: usize, l: Lang) -> String {
    match l {
        Lang::English => format!("The last list had {len} task(s), so there is no number {n}."),
        Lang::Urdu => format!("پچھلی فہرست میں {len} کام تھے، نمبر {n} نہیں ہے۔"),
        Lang::RomanUrdu => format!("Pichli list mein {len} tasks thay, number {n} nahi hai."),
    }
}

pub fn help(l: Lang) -> String {
    match l {
        Lang::English => "I can manage your tasks. Try \"add buy milk tomorrow\", \"what's left?\", \"mark buy milk done\", \"set task 2 priority high\" or \"delete task 3\".",
        Lang::Urdu => "میں آپ کے کام سنبھال سکتا ہوں۔ مثلاً: \"دودھ خریدنا کل شامل کرو\"، \"میرے کام دکھاؤ\"، \"کام 2 مکمل کرو\"، \"کام 3 حذف کرو\"۔",
        Lang::RomanUrdu => "Main aap ke tasks sambhal sakta hoon. Maslan: \"doodh lena kal add karo\", \"meri tasks dikhao\", \"task 2 mukammal karo\", \"task 3 delete karo\".",
    }
    .into()
}
