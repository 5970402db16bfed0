//! The tasks page and dashboard with their server functions: every form posts to a server
//! function (works without JavaScript); with it, the list refetches after each action.

pub mod model;

use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

use crate::components::markdown::Markdown;
use crate::error::AppError;
use model::*;

#[cfg(feature = "ssr")]
use crate::auth::session::fail;

#[cfg(feature = "ssr")]
async fn user_and_state() -> Result<(crate::state::AppState, crate::store::User), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let user = crate::auth::session::require_user().await.map_err(fail)?;
    Ok((state, user))
}

/// Like `user_and_state`, for a server function that writes tasks: counted against the
/// user's `TASK_WRITES_PER_MINUTE` (429 with `Retry-After` once spent).
#[cfg(feature = "ssr")]
async fn writer() -> Result<(crate::state::AppState, crate::store::User), AppError> {
    let (state, user) = user_and_state().await?;
    state
        .limiter
        .check(crate::rate_limit::Bucket::TaskWrites, &user.id)
        .await
        .map_err(|l| {
            fail(AppError::RateLimited {
                message: l.message,
                retry_after_secs: l.retry_after_secs,
            })
        })?;
    Ok((state, user))
}

#[server]
pub async fn list_tasks(filter: TaskFilter, sort: TaskSort) -> Result<Vec<Task>, AppError> {
    let (state, user) = user_and_state().await?;
    state
        .db
        .list_tasks_sorted(&user.id, &filter, sort, chrono::Utc::now())
        .await
        .map_err(fail)
}

#[server]
pub async fn create_task(
    title: String,
    description: String,
    priority: String,
    due: String,
    tags: String,
) -> Result<Task, AppError> {
    let (state, user) = writer().await?;
    let new = NewTask {
        title,
        description,
        priority: Priority::parse(&priority).unwrap_or_default(),
        due_at: parse_due(&due).map_err(|e| fail(AppError::Invalid(e)))?,
        tags: split_tags(&tags),
    };
    state.db.create_task(&user.id, new).await.map_err(fail)
}

#[server]
pub async fn update_task(
    id: i64,
    title: String,
    description: String,
    priority: String,
    due: String,
    tags: String,
) -> Result<Task, AppError> {
    let (state, user) = writer().await?;
    let patch = TaskPatch {
        title: Some(title),
        description: Some(description),
        priority: Some(Priority::parse(&priority).unwrap_or_default()),
        due_at: Some(parse_due(&due).map_err(|e| fail(AppError::Invalid(e)))?),
        tags: Some(split_tags(&tags)),
        completed: None,
    };
    state
        .db
        .update_task(&user.id, id, patch)
        .await
        .map_err(fail)
}

#[server]
pub async fn set_task_done(id: i64, done: bool) -> Result<Task, AppError> {
    let (state, user) = writer().await?;
    let patch = TaskPatch {
        completed: Some(done),
        ..Default::default()
    };
    state
        .db
        .update_task(&user.id, id, patch)
        .await
        .map_err(fail)
}

/// Deletes for good and returns the task, which the page keeps for "Undo".
#[server]
pub async fn delete_task(id: i64) -> Result<Task, AppError> {
    let (state, user) = writer().await?;
    state.db.delete_task(&user.id, id).await.map_err(fail)
}

/// Undo of a delete: re-creates the task from its copy (a new id, same fields).
#[server(input = server_fn::codec::Json)]
pub async fn restore_task(task: Task) -> Result<Task, AppError> {
    let (state, user) = writer().await?;
    let new = NewTask {
        title: task.title,
        description: task.description,
        priority: task.priority,
        due_at: task.due_at,
        tags: task.tags,
    };
    let created = state.db.create_task(&user.id, new).await.map_err(fail)?;
    if !task.completed {
        return Ok(created);
    }
    let done = TaskPatch {
        completed: Some(true),
        ..Default::default()
    };
    state
        .db
        .update_task(&user.id, created.id, done)
        .await
        .map_err(fail)
}

#[server]
pub async fn dashboard_data() -> Result<Overview, AppError> {
    let (state, user) = user_and_state().await?;
    let now = chrono::Utc::now();
    let open = TaskFilter {
        status: StatusFilter::Open,
        limit: Some(500),
        ..Default::default()
    };
    let tasks = state
        .db
        .list_tasks(&user.id, &open, now)
        .await
        .map_err(fail)?;
    let today = TaskFilter {
        due: Some(DueFilter::Today),
        ..open.clone()
    };
    let overdue = TaskFilter {
        due: Some(DueFilter::Overdue),
        ..open.clone()
    };
    Ok(Overview {
        open: tasks.len(),
        due_today: state
            .db
            .list_tasks(&user.id, &today, now)
            .await
            .map_err(fail)?
            .len(),
        overdue: state
            .db
            .list_tasks(&user.id, &overdue, now)
            .await
            .map_err(fail)?
            .len(),
        next: tasks.into_iter().take(5).collect(),
    })
}

/// A counter bumped whenever the user's tasks change, whoever changed them (this tab's chat,
/// another tab, an MCP client): the server's feed (`/api/tasks/events`) says so as each write
/// lands.
fn use_tasks_changed() -> ReadSignal<u32> {
    let (changed, set_changed) = signal(0u32);
    crate::hooks::use_event_source::use_event_source("/api/tasks/events", move || {
        set_changed.update(|n| *n += 1)
    });
    changed
}

fn filter_from_query(q: &leptos_router::params::ParamsMap) -> (TaskFilter, TaskSort) {
    let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
    let filter = TaskFilter {
        status: match get("status").as_deref() {
            Some("open") => StatusFilter::Open,
            Some("done") => StatusFilter::Done,
            _ => StatusFilter::All,
        },
        due: match get("due").as_deref() {
            Some("overdue") => Some(DueFilter::Overdue),
            Some("today") => Some(DueFilter::Today),
            Some("week") => Some(DueFilter::Week),
            _ => None,
        },
        tag: get("tag"),
        priority: get("priority").and_then(|p| Priority::parse(&p)),
        query: get("q"),
        limit: Some(500),
    };
    let sort = TaskSort::parse(&get("sort").unwrap_or_default());
    (filter, sort)
}

fn due_label(t: &Task) -> Option<String> {
    t.due_at.map(|d| d.format("%b %e").to_string())
}

fn overdue(t: &Task) -> bool {
    !t.completed && t.due_at.is_some_and(|d| d < chrono::Utc::now())
}

#[component]
pub fn TasksPage() -> impl IntoView {
    let create = ServerAction::<CreateTask>::new();
    let update = ServerAction::<UpdateTask>::new();
    let toggle = ServerAction::<SetTaskDone>::new();
    let delete = ServerAction::<DeleteTask>::new();
    let restore = ServerAction::<RestoreTask>::new();
    let changed = use_tasks_changed();
    let query = use_query_map();
    let tasks = Resource::new(
        move || {
            (
                query.with(filter_from_query),
                create.version().get(),
                update.version().get(),
                toggle.version().get(),
                delete.version().get(),
                restore.version().get(),
                changed.get(),
            )
        },
        |((filter, sort), ..)| list_tasks(filter, sort),
    );
    let param = move |k: &str| query.with(|q| q.get(k).unwrap_or_default());
    let filtered = move || {
        query.with(|q| {
            ["status", "tag", "priority", "due", "q"]
                .iter()
                .any(|k| q.get(k).is_some_and(|v| !v.is_empty() && v != "all"))
        })
    };
    // The toast shows the last deleted task until it is restored or another one is deleted.
    let undone = RwSignal::new(None::<i64>);
    let deleted = move || {
        delete
            .value()
            .get()
            .and_then(Result::ok)
            .filter(|t| undone.get() != Some(t.id))
    };
    let action_error = move || {
        [
            create.value().get().and_then(Result::err),
            update.value().get().and_then(Result::err),
            toggle.value().get().and_then(Result::err),
            delete.value().get().and_then(Result::err),
            restore.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.to_string())
    };
    let create_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            if let Some(f) = create_form.get() {
                f.reset();
            }
        }
    });

    view! {
        <section class="tasks-page">
            <h1>"Tasks"</h1>
            <ActionForm action=create node_ref=create_form attr:class="task-new">
                <input type="text" name="title" placeholder="New task" aria-label="Title" required maxlength="200"/>
                <details>
                    <summary>"More"</summary>
                    <textarea name="description" aria-label="Description" placeholder="Description (Markdown)" rows="3"></textarea>
                    <PriorityField selected=Priority::Normal/>
                    <label>"Due" <input type="date" name="due"/></label>
                    <label>"Tags" <input type="text" name="tags" placeholder="home, errands"/></label>
                </details>
                <button type="submit" class="primary">"Add"</button>
            </ActionForm>

            <Form method="GET" action="" attr:class="task-filters">
                <input type="search" name="q" aria-label="Search" placeholder="Search" prop:value=move || param("q")/>
                <select name="status" aria-label="Status">
                    {[("all", "All"), ("open", "Open"), ("done", "Done")].into_iter().map(|(v, l)| view! {
                        <option value=v selected=move || param("status") == v>{l}</option>
                    }).collect_view()}
                </select>
                <select name="priority" aria-label="Priority filter">
                    <option value="">"Any priority"</option>
                    {Priority::ALL.into_iter().map(|p| view! {
                        <option value=p.as_str() selected=move || param("priority") == p.as_str()>{p.as_str()}</option>
                    }).collect_view()}
                </select>
                <select name="due" aria-label="Due">
                    {[("", "Any time"), ("overdue", "Overdue"), ("today", "Due today"), ("week", "This week")].into_iter().map(|(v, l)| view! {
                        <option value=v selected=move || param("due") == v>{l}</option>
                    }).collect_view()}
                </select>
                <input type="text" name="tag" aria-label="Tag" placeholder="Tag" prop:value=move || param("tag")/>
                <select name="sort" aria-label="Sort">
                    {[("smart", "Due date"), ("priority", "Priority"), ("created", "Newest"), ("title", "Title")].into_iter().map(|(v, l)| view! {
                        <option value=v selected=move || param("sort") == v>{l}</option>
                    }).collect_view()}
                </select>
                <button type="submit">"Apply"</button>
            </Form>

            <Show when=move || action_error().is_some()>
                <p class="error" role="alert">{action_error}</p>
            </Show>

            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() && filtered() => view! {
                            <p class="empty">"No tasks match these filters. " <A href="/tasks">"Show all"</A></p>
                        }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="empty">
                                <p>"No tasks yet."</p>
                                <p>"Add one above, or open the chat and say \"add buy milk tomorrow\"."</p>
                            </div>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="task-list">
                                {list.into_iter().map(|t| view! {
                                    <TaskRow task=t toggle=toggle update=update delete=delete/>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>

            {move || deleted().map(|t| {
                let title = t.title.clone();
                let id = t.id;
                view! {
                    <div class="toast" role="status">
                        <span>"Deleted “" {title} "”."</span>
                        <button type="button" class="link" on:click=move |_| {
                            undone.set(Some(id));
                            restore.dispatch(RestoreTask { task: t.clone() });
                        }>"Undo"</button>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn PriorityField(selected: Priority) -> impl IntoView {
    view! {
        <label>"Priority"
            <select name="priority">
                {Priority::ALL.into_iter().map(|p| view! {
                    <option value=p.as_str() selected={p == selected}>{p.as_str()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn TaskRow(
    task: Task,
    toggle: ServerAction<SetTaskDone>,
    update: ServerAction<UpdateTask>,
    delete: ServerAction<DeleteTask>,
) -> impl IntoView {
    let t = task;
    let due = due_label(&t);
    let late = overdue(&t);
    let due_value = t
        .due_at
        .map(|d| d.date_naive().format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let tags = t.tags.join(", ");
    let description = t.description.clone();
    view! {
        <li class="task" class:done=t.completed data-task-id=t.id>
            <div class="task-main">
                <ActionForm action=toggle attr:class="inline">
                    <input type="hidden" name="id" value=t.id/>
                    <input type="hidden" name="done" value=(!t.completed).to_string()/>
                    <button type="submit" class="check" aria-label={if t.completed { "Reopen" } else { "Complete" }}>
                        {if t.completed { "☑" } else { "☐" }}
                    </button>
                </ActionForm>
                <span class="task-title">{t.title.clone()}</span>
                <span class=format!("badge priority-{}", t.priority.as_str())>{t.priority.as_str()}</span>
                {due.map(|d| view! { <span class="due" class:overdue=late>{d}</span> })}
                {t.tags.iter().map(|tag| view! {
                    <A href=format!("/tasks?tag={}", crate::url::encode(tag)) attr:class="tag">{format!("#{tag}")}</A>
                }).collect_view()}
                <ActionForm action=delete attr:class="inline">
                    <input type="hidden" name="id" value=t.id/>
                    <button type="submit" class="link danger" aria-label="Delete">"Delete"</button>
                </ActionForm>
            </div>
            {(!description.is_empty()).then(|| view! { <Markdown text=Signal::stored(description)/> })}
            <details class="task-edit">
                <summary>"Edit"</summary>
                <ActionForm action=update attr:class="stack">
                    <input type="hidden" name="id" value=t.id/>
                    <label>"Title" <input type="text" name="title" value=t.title.clone() required maxlength="200"/></label>
                    <label>"Description" <textarea name="description" rows="4">{t.description.clone()}</textarea></label>
                    <PriorityField selected=t.priority/>
                    <label>"Due" <input type="date" name="due" value=due_value/></label>
                    <label>"Tags" <input type="text" name="tags" value=tags/></label>
                    <button type="submit" class="primary">"Save"</button>
                </ActionForm>
            </details>
        </li>
    }
}

/// The signed-in home page: counts and the next few open tasks, live like the tasks page.
#[component]
pub fn Dashboard(name: Option<String>) -> impl IntoView {
    let changed = use_tasks_changed();
    let data = Resource::new(move || changed.get(), |_| dashboard_data());
    view! {
        <section class="home dashboard">
            <h1>"Hello" {name.map(|n| format!(", {n}"))}</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        Ok(o) => view! {
                            <ul class="counts">
                                <li><A href="/tasks?status=open"><strong class="count-open">{o.open}</strong>" open"</A></li>
                                <li><A href="/tasks?status=open&due=today"><strong class="count-today">{o.due_today}</strong>" due today"</A></li>
                                <li class:alert={o.overdue != 0}><A href="/tasks?due=overdue"><strong class="count-overdue">{o.overdue}</strong>" overdue"</A></li>
                            </ul>
                            {if o.next.is_empty() {
                                view! { <p class="empty">"Nothing open. Add a task on " <A href="/tasks">"your tasks"</A> " or in the chat."</p> }.into_any()
                            } else {
                                view! {
                                    <h2>"Next up"</h2>
                                    <ul class="task-list next">
                                        {o.next.into_iter().map(|t| view! {
                                            <li class="task">
                                                <span class="task-title">{t.title.clone()}</span>
                                                {due_label(&t).map(|d| view! { <span class="due" class:overdue={overdue(&t)}>{d}</span> })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                    <p><A href="/tasks">"All tasks →"</A></p>
                                }.into_any()
                            }}
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
