//! Threads and pages: a thread as stored (`ThreadMetadata`) and as the client sees it
//! (`Thread`, its items a `Page`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{timestamp, Metadata, ThreadItem};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            data: Vec::new(),
            has_more: false,
            after: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ThreadStatus {
    Active,
    Locked {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Closed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

/// A thread without its items, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub id: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    pub status: ThreadStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_image_domains: Option<Vec<String>>,
    #[serde(default)]
    pub metadata: Metadata,
}

/// A thread as the client sees it: metadata is always emptied, items are a page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thread {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub id: String,
    #[serde(with = "timestamp")]
    pub created_at: DateTime<Utc>,
    pub status: ThreadStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_image_domains: Option<Vec<String>>,
    #[serde(default)]
    pub metadata: Metadata,
    #[serde(default)]
    pub items: Page<ThreadItem>,
}

impl Thread {
    /// The client-facing form of a stored thread (the SDK's `_to_thread_response`).
    pub fn from_metadata(meta: &ThreadMetadata, items: Page<ThreadItem>) -> Thread {
        Thread {
            title: meta.title.clone(),
            id: meta.id.clone(),
            created_at: meta.created_at,
            status: meta.status.clone(),
            allowed_image_domains: meta.allowed_image_domains.clone(),
            metadata: Metadata::new(),
            items,
        }
    }
}
