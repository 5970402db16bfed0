//! The tasks page and its server functions.

pub mod model;

use leptos::prelude::*;

use crate::error::AppError;
use model::{Task, TaskFilter};

#[server]
pub async fn list_tasks(filter: TaskFilter) -> Result<Vec<Task>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::auth::session::require_user().await?;
    Ok(state
        .db
        .list_tasks(&user.id, &filter, chrono::Utc::now())
        .await?)
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let tasks = Resource::new(|| (), |_| list_tasks(TaskFilter::default()));
    view! {
        <section class="tasks-page">
            <h1>"Tasks"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">"No tasks yet. Open the chat and say \"add buy milk\"."</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="task-list">
                                {list.into_iter().map(|t| view! {
                                    <li class="task" class:done=t.completed data-task-id=t.id>
                                        <span class="task-title">{t.title}</span>
                                        <span class=format!("badge priority-{}", t.priority.as_str())>{t.priority.as_str()}</span>
                                        {t.due_at.map(|d| view! { <span class="due">{d.format("%b %e").to_string()}</span> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
