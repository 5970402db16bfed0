//! ChatKit threads, items, attachments and feedback in SQL, every statement scoped by user;
//! the protocol's `ThreadStore` sees `ChatKitError`s (mapped once, below). Pages are keyset
//! pages on (created_at, seq) so they stay fast and stable under inserts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{db_err, micros, on_pool, on_writer, Db, StoreError, StoreResult};
use crate::chatkit::store::ThreadStore;
use crate::chatkit::types::*;
use crate::chatkit::ChatKitError;

/// The protocol's edge: a store failure as the engine answers it (404, 409, 422, or a logged
/// 500 that tells the user nothing about the database).
impl From<StoreError> for ChatKitError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ChatKitError::not_found(what),
            StoreError::Conflict(m) => ChatKitError::new(409, "conflict", m),
            StoreError::Invalid(m) => ChatKitError::invalid(m),
            StoreError::Unavailable(m) => {
                tracing::warn!("store unavailable: {m}");
                ChatKitError::unavailable("storage is unavailable, try again")
            }
            StoreError::Database(m) => {
                tracing::error!("store error: {m}");
                ChatKitError::internal("storage is unavailable, try again")
            }
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("stored values always serialize")
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Database(format!("corrupt stored JSON: {e}")))
}

/// An attachment as stored: its wire form plus the server-only `metadata` the wire leaves out.
fn attachment_to_json(a: &Attachment) -> String {
    let mut v = serde_json::to_value(a).expect("attachments always serialize");
    if let (Some(obj), false) = (v.as_object_mut(), a.metadata.is_empty()) {
        obj.insert("metadata".into(), a.metadata.clone().into());
    }
    v.to_string()
}

fn attachment_from_json(s: &str) -> StoreResult<Attachment> {
    let mut v: serde_json::Value = from_json(s)?;
    let metadata = match v.as_object_mut().and_then(|o| o.remove("metadata")) {
        Some(serde_json::Value::Object(m)) => m,
        _ => Metadata::new(),
    };
    let mut a: Attachment = serde_json::from_value(v)
        .map_err(|e| StoreError::Database(format!("corrupt stored JSON: {e}")))?;
    a.metadata = metadata;
    Ok(a)
}

fn kind_name(item: &ThreadItem) -> String {
    serde_json::to_value(&item.kind)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_default()
}

/// The columns `thread_row!` reads.
const THREAD_COLUMNS: &str = "id, title, status, allowed_image_domains, metadata, created_at";

/// A `threads` row as `ThreadMetadata` (a macro: the row type differs per database); `?`
/// returns the error from the enclosing function.
macro_rules! thread_row {
    ($row:expr) => {{
        let row = $row;
        ThreadMetadata {
            title: row.try_get("title").map_err(db_err)?,
            id: row.try_get("id").map_err(db_err)?,
            created_at: row.try_get("created_at").map_err(db_err)?,
            status: from_json(&row.try_get::<String, _>("status").map_err(db_err)?)?,
            allowed_image_domains: match row
                .try_get::<Option<String>, _>("allowed_image_domains")
                .map_err(db_err)?
            {
                Some(s) => Some(from_json(&s)?),
                None => None,
            },
            metadata: from_json(&row.try_get::<String, _>("metadata").map_err(db_err)?)?,
        }
    }};
}

/// A unique violation as a 409 with this message, anything else as a database failure.
fn unique_or(e: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(message()),
        e => db_err(e),
    }
}

/// Inserts an item on `$conn` (a pool or a transaction) if its thread is the user's (else
/// `?` returns not found); a second insert of one id is a conflict.
macro_rules! insert_item {
    ($conn:expr, $user_id:expr, $item:expr) => {{
        let item: &ThreadItem = $item;
        let done = sqlx::query(
            "INSERT INTO thread_items (id, thread_id, user_id, kind, data, created_at)
             SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS
               (SELECT 1 FROM threads WHERE id = $2 AND user_id = $3)",
        )
        .bind(&item.id)
        .bind(&item.thread_id)
        .bind($user_id)
        .bind(kind_name(item))
        .bind(to_json(item))
        .bind(micros(item.created_at))
        .execute($conn)
        .await
        .map_err(|e| unique_or(e, || format!("item {} already exists", item.id)))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound("thread").into());
        }
    }};
}

/// Upserts an attachment record on `$conn` (a pool or a transaction), never another user's.
macro_rules! save_attachment {
    ($conn:expr, $user_id:expr, $a:expr) => {{
        let a: &Attachment = $a;
        sqlx::query(
            "INSERT INTO attachments (id, user_id, thread_id, data, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET thread_id = excluded.thread_id, data = excluded.data
             WHERE attachments.user_id = excluded.user_id",
        )
        .bind(&a.id)
        .bind($user_id)
        .bind(&a.thread_id)
        .bind(attachment_to_json(a))
        .bind(micros(Utc::now()))
        .execute($conn)
        .await
        .map_err(db_err)?;
    }};
}

/// Comparison operator and direction for a keyset page.
fn keyset(order: Order) -> (&'static str, &'static str) {
    match order {
        Order::Asc => (">", "ASC"),
        Order::Desc => ("<", "DESC"),
    }
}

impl Db {
    /// Attachments created before `cutoff` that no message took, everyone's or one user's:
    /// (user id, attachment id).
    pub async fn unsent_attachments(
        &self,
        cutoff: DateTime<Utc>,
        user_id: Option<&str>,
    ) -> StoreResult<Vec<(String, String)>> {
        on_pool!(self, p => {
            sqlx::query_as(
                "SELECT user_id, id FROM attachments WHERE thread_id IS NULL AND created_at < $1
                   AND ($2 IS NULL OR user_id = $2)",
            )
            .bind(micros(cutoff))
            .bind(user_id)
            .fetch_all(p)
            .await
            .map_err(db_err)
        })
    }

    /// The user's ratings on a thread's items, oldest first: (item id, "positive"/"negative").
    pub async fn feedback(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        on_pool!(self, p => {
            sqlx::query_as(
                "SELECT item_id, kind FROM feedback WHERE user_id = $1 AND thread_id = $2
                 ORDER BY created_at, item_id",
            )
            .bind(user_id)
            .bind(thread_id)
            .fetch_all(p)
            .await
            .map_err(db_err)
        })
    }
}

#[async_trait]
impl ThreadStore for Db {
    async fn load_thread(
        &self,
        user_id: &str,
        thread_id: &str,
    ) -> Result<ThreadMetadata, ChatKitError> {
        on_pool!(self, p => {
            let row = sqlx::query(&format!(
                "SELECT {THREAD_COLUMNS} FROM threads WHERE id = $1 AND user_id = $2"
            ))
            .bind(thread_id)
            .bind(user_id)
            .fetch_optional(p)
            .await
            .map_err(db_err)?
            .ok_or(StoreError::NotFound("thread"))?;
            Ok(thread_row!(row))
        })
    }

    async fn create_thread(
        &self,
        user_id: &str,
        t: &ThreadMetadata,
        first_item: Option<&ThreadItem>,
    ) -> Result<(), ChatKitError> {
        let domains = t.allowed_image_domains.as_ref().map(to_json);
        on_writer!(self, p => {
            let mut tx = p.begin().await.map_err(db_err)?;
            sqlx::query(
                "INSERT INTO threads (id, user_id, title, status, allowed_image_domains, metadata, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&t.id)
            .bind(user_id)
            .bind(&t.title)
            .bind(to_json(&t.status))
            .bind(domains)
            .bind(to_json(&t.metadata))
            .bind(micros(t.created_at))
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_or(e, || format!("thread {} already exists", t.id)))?;
            if let Some(item) = first_item {
                if let ItemKind::UserMessage { attachments, .. } = &item.kind {
                    for a in attachments {
                        save_attachment!(&mut *tx, user_id, a);
                    }
                }
                insert_item!(&mut *tx, user_id, item);
            }
            tx.commit().await.map_err(db_err)?;
            Ok(())
        })
    }

    async fn save_thread(&self, user_id: &str, t: &ThreadMetadata) -> Result<(), ChatKitError> {
        let domains = t.allowed_image_domains.as_ref().map(to_json);
        // An update only: a thread deleted meanwhile stays deleted.
        let n = on_writer!(self, p => {
            sqlx::query(
                "UPDATE threads SET title = $1, status = $2, allowed_image_domains = $3, metadata = $4
                 WHERE id = $5 AND user_id = $6",
            )
            .bind(&t.title)
            .bind(to_json(&t.status))
            .bind(domains)
            .bind(to_json(&t.metadata))
            .bind(&t.id)
            .bind(user_id)
            .execute(p)
            .await
            .map_err(db_err)?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("thread").into());
        }
        Ok(())
    }

    async fn load_threads(
        &self,
        user_id: &str,
        limit: usize,
        after: Option<&str>,
        order: Order,
    ) -> Result<Page<ThreadMetadata>, ChatKitError> {
        let (cmp, dir) = keyset(order);
        // One query for the page (rows, not ids followed by a load each).
        let mut data: Vec<ThreadMetadata> = on_pool!(self, p => {
            let rows = match after {
                None => sqlx::query(&format!(
                    "SELECT {THREAD_COLUMNS} FROM threads WHERE user_id = $1 ORDER BY created_at {dir}, id {dir} LIMIT $2"
                ))
                .bind(user_id)
                .bind(limit as i64 + 1)
                .fetch_all(p)
                .await,
                Some(cursor) => {
                    let c = sqlx::query("SELECT created_at FROM threads WHERE id = $1 AND user_id = $2")
                        .bind(cursor)
                        .bind(user_id)
                        .fetch_optional(p)
                        .await
                        .map_err(db_err)?
                        .ok_or(StoreError::NotFound("cursor"))?;
                    let at: DateTime<Utc> = c.try_get("created_at").map_err(db_err)?;
                    sqlx::query(&format!(
                        "SELECT {THREAD_COLUMNS} FROM threads WHERE user_id = $1
                           AND (created_at, id) {cmp} ($2, $3)
                         ORDER BY created_at {dir}, id {dir} LIMIT $4"
                    ))
                    .bind(user_id)
                    .bind(at)
                    .bind(cursor)
                    .bind(limit as i64 + 1)
                    .fetch_all(p)
                    .await
                }
            }
            .map_err(db_err)?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(thread_row!(row));
            }
            out
        });
        let has_more = data.len() > limit;
        data.truncate(limit);
        let after = if has_more {
            data.last().map(|t: &ThreadMetadata| t.id.clone())
        } else {
            None
        };
        Ok(Page {
            data,
            has_more,
            after,
        })
    }

    async fn delete_thread(&self, user_id: &str, thread_id: &str) -> Result<(), ChatKitError> {
        on_writer!(self, p => {
            let mut tx = p.begin().await.map_err(db_err)?;
            for sql in [
                "DELETE FROM feedback WHERE thread_id = $1 AND user_id = $2",
                "DELETE FROM thread_items WHERE thread_id = $1 AND user_id = $2",
                "DELETE FROM attachments WHERE thread_id = $1 AND user_id = $2",
            ] {
                sqlx::query(sql).bind(thread_id).bind(user_id).execute(&mut *tx).await.map_err(db_err)?;
            }
            let done = sqlx::query("DELETE FROM threads WHERE id = $1 AND user_id = $2")
                .bind(thread_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await.map_err(db_err)?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("thread").into());
            }
            Ok(())
        })
    }

    async fn load_thread_items(
        &self,
        user_id: &str,
        thread_id: &str,
        after: Option<&str>,
        limit: usize,
        order: Order,
    ) -> Result<Page<ThreadItem>, ChatKitError> {
        let (cmp, dir) = keyset(order);
        let rows: Vec<(String, String)> = on_pool!(self, p => {
            let rows = match after {
                None => sqlx::query(&format!(
                    "SELECT id, data FROM thread_items WHERE thread_id = $1 AND user_id = $2
                     ORDER BY created_at {dir}, seq {dir} LIMIT $3"
                ))
                .bind(thread_id)
                .bind(user_id)
                .bind(limit as i64 + 1)
                .fetch_all(p)
                .await,
                Some(cursor) => {
                    let c = sqlx::query(
                        "SELECT created_at, seq FROM thread_items WHERE thread_id = $1 AND user_id = $2 AND id = $3",
                    )
                    .bind(thread_id)
                    .bind(user_id)
                    .bind(cursor)
                    .fetch_optional(p)
                    .await
                    .map_err(db_err)?
                    .ok_or(StoreError::NotFound("cursor"))?;
                    let at: DateTime<Utc> = c.try_get("created_at").map_err(db_err)?;
                    let seq: i64 = c.try_get("seq").map_err(db_err)?;
                    sqlx::query(&format!(
                        "SELECT id, data FROM thread_items WHERE thread_id = $1 AND user_id = $2
                           AND (created_at, seq) {cmp} ($3, $4)
                         ORDER BY created_at {dir}, seq {dir} LIMIT $5"
                    ))
                    .bind(thread_id)
                    .bind(user_id)
                    .bind(at)
                    .bind(seq)
                    .bind(limit as i64 + 1)
                    .fetch_all(p)
                    .await
                }
            }
            .map_err(db_err)?;
            rows.iter()
                .map(|r| Ok((r.try_get("id").map_err(db_err)?, r.try_get("data").map_err(db_err)?)))
                .collect::<StoreResult<_>>()?
        });
        let has_more = rows.len() > limit;
        let data = rows
            .iter()
            .take(limit)
            .map(|(_, d)| from_json::<ThreadItem>(d))
            .collect::<StoreResult<Vec<_>>>()?;
        let after = if has_more {
            data.last().map(|i| i.id.clone())
        } else {
            None
        };
        Ok(Page {
            data,
            has_more,
            after,
        })
    }

    async fn add_thread_item(&self, user_id: &str, item: &ThreadItem) -> Result<(), ChatKitError> {
        on_writer!(self, p => {
            insert_item!(p, user_id, item);
            Ok(())
        })
    }

    async fn save_item(&self, user_id: &str, item: &ThreadItem) -> Result<(), ChatKitError> {
        let updated = on_writer!(self, p => {
            sqlx::query("UPDATE thread_items SET data = $1, kind = $2 WHERE thread_id = $3 AND id = $4 AND user_id = $5")
                .bind(to_json(item))
                .bind(kind_name(item))
                .bind(&item.thread_id)
                .bind(&item.id)
                .bind(user_id)
                .execute(p)
                .await
                .map_err(db_err)?
                .rows_affected()
        });
        if updated == 0 {
            self.add_thread_item(user_id, item).await?;
        }
        Ok(())
    }

    async fn load_item(
        &self,
        user_id: &str,
        thread_id: &str,
        item_id: &str,
    ) -> Result<ThreadItem, ChatKitError> {
        let data: String = on_pool!(self, p => {
            sqlx::query("SELECT data FROM thread_items WHERE thread_id = $1 AND id = $2 AND user_id = $3")
                .bind(thread_id)
                .bind(item_id)
                .bind(user_id)
                .fetch_optional(p)
                .await
                .map_err(db_err)?
                .ok_or(StoreError::NotFound("item"))?
                .try_get("data")
                .map_err(db_err)?
        });
        Ok(from_json(&data)?)
    }

    async fn delete_thread_item(
        &self,
        user_id: &str,
        thread_id: &str,
        item_id: &str,
    ) -> Result<(), ChatKitError> {
        let n = on_writer!(self, p => {
            sqlx::query("DELETE FROM thread_items WHERE thread_id = $1 AND id = $2 AND user_id = $3")
                .bind(thread_id)
                .bind(item_id)
                .bind(user_id)
                .execute(p)
                .await
                .map_err(db_err)?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("item").into());
        }
        Ok(())
    }

    async fn delete_items_after(
        &self,
        user_id: &str,
        thread_id: &str,
        item_id: &str,
    ) -> Result<(), ChatKitError> {
        on_writer!(self, p => {
            // One statement: the items after the target in page order (created_at, seq).
            sqlx::query(
                "DELETE FROM thread_items WHERE thread_id = $1 AND user_id = $2 AND EXISTS (
                   SELECT 1 FROM thread_items t WHERE t.thread_id = $1 AND t.user_id = $2 AND t.id = $3
                     AND (thread_items.created_at > t.created_at
                          OR (thread_items.created_at = t.created_at AND thread_items.seq > t.seq)))",
            )
            .bind(thread_id)
            .bind(user_id)
            .bind(item_id)
            .execute(p)
            .await
            .map_err(db_err)?;
        });
        Ok(())
    }

    async fn save_attachment(&self, user_id: &str, a: &Attachment) -> Result<(), ChatKitError> {
        on_writer!(self, p => {
            save_attachment!(p, user_id, a);
            Ok(())
        })
    }

    async fn load_attachment(
        &self,
        user_id: &str,
        attachment_id: &str,
    ) -> Result<Attachment, ChatKitError> {
        let data: String = on_pool!(self, p => {
            sqlx::query("SELECT data FROM attachments WHERE id = $1 AND user_id = $2")
                .bind(attachment_id)
                .bind(user_id)
                .fetch_optional(p)
                .await
                .map_err(db_err)?
                .ok_or(StoreError::NotFound("attachment"))?
                .try_get("data")
                .map_err(db_err)?
        });
        Ok(attachment_from_json(&data)?)
    }

    async fn delete_attachment(
        &self,
        user_id: &str,
        attachment_id: &str,
    ) -> Result<(), ChatKitError> {
        let n = on_writer!(self, p => {
            sqlx::query("DELETE FROM attachments WHERE id = $1 AND user_id = $2")
                .bind(attachment_id)
                .bind(user_id)
                .execute(p)
                .await
                .map_err(db_err)?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound("attachment").into());
        }
        Ok(())
    }

    async fn add_feedback(
        &self,
        user_id: &str,
        thread_id: &str,
        item_ids: &[String],
        kind: FeedbackKind,
    ) -> Result<(), ChatKitError> {
        let kind = match kind {
            FeedbackKind::Positive => "positive",
            FeedbackKind::Negative => "negative",
        };
        for item_id in item_ids {
            // Only items of the user's own thread can be rated.
            self.load_item(user_id, thread_id, item_id).await?;
            on_writer!(self, p => {
                sqlx::query(
                    "INSERT INTO feedback (user_id, thread_id, item_id, kind, created_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (thread_id, item_id) DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at",
                )
                .bind(user_id)
                .bind(thread_id)
                .bind(item_id)
                .bind(kind)
                .bind(micros(Utc::now()))
                .execute(p)
                .await
                .map_err(db_err)?;
            });
        }
        Ok(())
    }
}
