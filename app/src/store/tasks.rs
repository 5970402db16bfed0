//! Tasks in SQL. The user id comes from the caller's verified token, never from task data.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::{db_err, micros, on_pool, on_writer, Db, StoreError, StoreResult};
use crate::tasks::model::*;

const COLUMNS: &str =
    "id, title, description, completed, completed_at, priority, due_at, tags, created_at, updated_at";

macro_rules! task_from_row {
    ($r:expr) => {{
        let r = $r;
        Task {
            id: r.try_get("id").map_err(db_err)?,
            title: r.try_get("title").map_err(db_err)?,
            description: r.try_get("description").map_err(db_err)?,
            completed: r.try_get("completed").map_err(db_err)?,
            completed_at: r.try_get("completed_at").map_err(db_err)?,
            priority: Priority::parse(&r.try_get::<String, _>("priority").map_err(db_err)?)
                .unwrap_or_default(),
            due_at: r.try_get("due_at").map_err(db_err)?,
            tags: serde_json::from_str(&r.try_get::<String, _>("tags").map_err(db_err)?)
                .unwrap_or_default(),
            created_at: r.try_get("created_at").map_err(db_err)?,
            updated_at: r.try_get("updated_at").map_err(db_err)?,
        }
    }};
}

fn invalid(m: String) -> StoreError {
    StoreError::Invalid(m)
}

impl Db {
    pub async fn create_task(&self, user_id: &str, new: NewTask) -> StoreResult<Task> {
        let new = new.validated().map_err(invalid)?;
        let (title, tags) = (&new.title, &new.tags);
        let now = micros(Utc::now());
        on_writer!(self, p => {
            let r = sqlx::query(&format!(
                "INSERT INTO tasks (user_id, title, description, completed, priority, due_at, tags, created_at, updated_at)
                 VALUES ($1, $2, $3, FALSE, $4, $5, $6, $7, $7) RETURNING {COLUMNS}"
            ))
            .bind(user_id)
            .bind(title)
            .bind(&new.description)
            .bind(new.priority.as_str())
            .bind(new.due_at.map(micros))
            .bind(serde_json::to_string(tags).expect("tags serialize"))
            .bind(now)
            .fetch_one(p)
            .await
            .map_err(db_err)?;
            let task = task_from_row!(r);
            self.tasks_changed(user_id).await;
            Ok(task)
        })
    }

    pub async fn task(&self, user_id: &str, id: i64) -> StoreResult<Task> {
        on_pool!(self, p => {
            let r = sqlx::query(&format!("SELECT {COLUMNS} FROM tasks WHERE id = $1 AND user_id = $2"))
                .bind(id)
                .bind(user_id)
                .fetch_optional(p)
                .await
                .map_err(db_err)?
                .ok_or(StoreError::NotFound("task"))?;
            Ok(task_from_row!(r))
        })
    }

    /// Lists tasks: open first, then by due date (undated last), newest first within a day.
    pub async fn list_tasks(
        &self,
        user_id: &str,
        f: &TaskFilter,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Task>> {
        self.list_tasks_sorted(user_id, f, TaskSort::Smart, now)
            .await
    }

    /// Like [`Db::list_tasks`] in a chosen order (open tasks always first).
    pub async fn list_tasks_sorted(
        &self,
        user_id: &str,
        f: &TaskFilter,
        sort: TaskSort,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Task>> {
        let mut sql = format!("SELECT {COLUMNS} FROM tasks WHERE user_id = $1");
        match f.status {
            StatusFilter::All => {}
            StatusFilter::Open => sql.push_str(" AND completed = FALSE"),
            StatusFilter::Done => sql.push_str(" AND completed = TRUE"),
        }
        let start_of_day = micros(
            now.date_naive()
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc(),
        );
        let (lo, hi) = match f.due {
            None => (None, None),
            Some(DueFilter::Overdue) => (None, Some(micros(now))),
            Some(DueFilter::Today) => (Some(start_of_day), Some(start_of_day + Duration::days(1))),
            Some(DueFilter::Week) => (Some(start_of_day), Some(start_of_day + Duration::days(7))),
        };
        if f.due.is_some() {
            sql.push_str(" AND due_at IS NOT NULL");
        }
        if matches!(f.due, Some(DueFilter::Overdue)) {
            sql.push_str(" AND completed = FALSE");
        }
        sql.push_str(" AND ($2 IS NULL OR due_at >= $2) AND ($3 IS NULL OR due_at < $3)");
        sql.push_str(" AND ($4 IS NULL OR priority = $4)");
        // Tags are a JSON array of strings: match the quoted tag.
        sql.push_str(" AND ($5 IS NULL OR tags LIKE $5)");
        sql.push_str(" AND ($6 IS NULL OR LOWER(title) LIKE $6 OR LOWER(description) LIKE $6)");
        sql.push_str(match sort {
            TaskSort::Smart => " ORDER BY completed ASC, CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at ASC, id DESC LIMIT $7",
            TaskSort::Priority => " ORDER BY completed ASC, CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, id DESC LIMIT $7",
            TaskSort::Created => " ORDER BY completed ASC, id DESC LIMIT $7",
            TaskSort::Title => " ORDER BY completed ASC, LOWER(title) ASC, id DESC LIMIT $7",
        });
        let tag = f
            .tag
            .as_ref()
            .map(|t| format!("%\"{}\"%", like_escape(&t.trim().to_lowercase())));
        let query = f
            .query
            .as_ref()
            .filter(|q| !q.trim().is_empty())
            .map(|q| format!("%{}%", like_escape(&q.trim().to_lowercase())));
        let limit = f.limit.unwrap_or(200).clamp(1, 500) as i64;
        on_pool!(self, p => {
            let rows = sqlx::query(&sql)
                .bind(user_id)
                .bind(lo)
                .bind(hi)
                .bind(f.priority.map(|p| p.as_str()))
                .bind(tag)
                .bind(query)
                .bind(limit)
                .fetch_all(p)
                .await
                .map_err(db_err)?;
            rows.into_iter().map(|r| Ok(task_from_row!(r))).collect()
        })
    }

    /// Applies a partial update in one statement, so concurrent edits of different fields
    /// (the page, the chat, an MCP client) all land: each `SET` keeps the row's current value
    /// for a field the patch leaves alone.
    pub async fn update_task(&self, user_id: &str, id: i64, patch: TaskPatch) -> StoreResult<Task> {
        let patch = patch.validated().map_err(invalid)?;
        let now = micros(Utc::now());
        let sql = format!(
            "UPDATE tasks SET
               title = COALESCE($1, title),
               description = COALESCE($2, description),
               priority = COALESCE($3, priority),
               due_at = CASE WHEN $4 THEN $5 ELSE due_at END,
               tags = COALESCE($6, tags),
               completed_at = CASE WHEN $7 IS NULL OR $7 = completed THEN completed_at
                                   WHEN $7 THEN $8 ELSE NULL END,
               completed = COALESCE($7, completed),
               updated_at = $8
             WHERE id = $9 AND user_id = $10
             RETURNING {COLUMNS}"
        );
        let task = on_writer!(self, p => {
            let r = sqlx::query(&sql)
                .bind(patch.title)
                .bind(patch.description)
                .bind(patch.priority.map(Priority::as_str))
                .bind(patch.due_at.is_some())
                .bind(patch.due_at.flatten().map(micros))
                .bind(patch.tags.map(|t| serde_json::to_string(&t).expect("tags serialize")))
                .bind(patch.completed)
                .bind(now)
                .bind(id)
                .bind(user_id)
                .fetch_optional(p)
                .await
                .map_err(db_err)?
                .ok_or(StoreError::NotFound("task"))?;
            task_from_row!(r)
        });
        self.tasks_changed(user_id).await;
        Ok(task)
    }

    /// Deletes and returns the task, so callers can echo or undo it.
    pub async fn delete_task(&self, user_id: &str, id: i64) -> StoreResult<Task> {
        let t = self.task(user_id, id).await?;
        on_writer!(self, p => {
            sqlx::query("DELETE FROM tasks WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(p)
                .await
                .map_err(db_err)?;
        });
        self.tasks_changed(user_id).await;
        Ok(t)
    }
}

fn like_escape(s: &str) -> String {
    // LIKE wildcards typed by a user are matched literally by dropping them.
    s.replace(['%', '_'], "")
}
