//! The task as users, pages, tools and the store all see it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub completed: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub priority: Priority,
    pub due_at: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a new task needs; everything but the title has a default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewTask {
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A partial update: `None` leaves a field as it is; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskPatch {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub due_at: Option<Option<DateTime<Utc>>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub completed: Option<bool>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    #[default]
    All,
    Open,
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueFilter {
    Overdue,
    Today,
    Week,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskFilter {
    #[serde(default)]
    pub status: StatusFilter,
    #[serde(default)]
    pub due: Option<DueFilter>,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Limits on task fields, checked once in the store layer.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
pub const MAX_TAGS: usize = 20;

/// Normalises and checks a title; the error is shown to users as is.
pub fn clean_title(title: &str) -> Result<String, String> {
    let t = title.trim();
    if t.is_empty() {
        return Err("a task needs a title".into());
    }
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(format!(
            "a title can be at most {MAX_TITLE_CHARS} characters"
        ));
    }
    Ok(t.to_string())
}

pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().trim_start_matches('#').to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(format!("a task can have at most {MAX_TAGS} tags"));
    }
    Ok(out)
}

/// How the tasks page orders its list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskSort {
    /// Open first, then by due date (undated last), newest first.
    #[default]
    Smart,
    Priority,
    Created,
    Title,
}

impl TaskSort {
    pub const ALL: [TaskSort; 4] = [
        TaskSort::Smart,
        TaskSort::Priority,
        TaskSort::Created,
        TaskSort::Title,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskSort::Smart => "smart",
            TaskSort::Priority => "priority",
            TaskSort::Created => "created",
            TaskSort::Title => "title",
        }
    }

    pub fn parse(s: &str) -> TaskSort {
        TaskSort::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .unwrap_or_default()
    }
}

/// Counts and the next open tasks, for the dashboard.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub open: usize,
    pub due_today: usize,
    pub overdue: usize,
    pub next: Vec<Task>,
}

/// "a, #b c" → ["a", "b", "c"] (cleaned further by `clean_tags`).
pub fn split_tags(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// A date from `<input type="date">` means the end of that day (UTC), so it is "due today"
/// all day and overdue from the next one. Empty means no due date.
pub fn parse_due(s: &str) -> Result<Option<DateTime<Utc>>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| Some(d.and_hms_opt(23, 59, 59).expect("valid time").and_utc()))
        .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)"))
}
