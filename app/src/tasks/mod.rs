//! The tasks page and dashboard with their server functions: every form posts to a server
//! function (works without JavaScript); with it, the list refetches after each action.

pub mod model;

use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

use crate::components::markdown::Markdown;
use crate::error::AppError;
use crate::i18n::{use_i18n, I18n, Key, Locale};
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
            let secs = l.retry_after_secs;
            fail(AppError::RateLimited {
                message: crate::i18n::request_locale().fill(
                    Key::ErrTaskWrites,
                    "{n}",
                    &secs.to_string(),
                ),
                retry_after_secs: secs,
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

const MONTHS: [Key; 12] = [
    Key::MonthJan,
    Key::MonthFeb,
    Key::MonthMar,
    Key::MonthApr,
    Key::MonthMay,
    Key::MonthJun,
    Key::MonthJul,
    Key::MonthAug,
    Key::MonthSep,
    Key::MonthOct,
    Key::MonthNov,
    Key::MonthDec,
];

/// "Jan 5" / "5 جنوری".
fn due_label(due: chrono::DateTime<chrono::Utc>, locale: Locale) -> String {
    use chrono::Datelike;
    locale
        .fill(
            Key::DueDate,
            "{month}",
            locale.t(MONTHS[due.month0() as usize]),
        )
        .replace("{day}", &due.day().to_string())
}

/// A due date as text in the current locale (tracked).
fn due_text(
    due: Option<chrono::DateTime<chrono::Utc>>,
    i18n: I18n,
) -> Option<impl Fn() -> String + Copy + Send + Sync + 'static> {
    due.map(|d| move || due_label(d, i18n.locale.get()))
}

fn priority_key(p: Priority) -> Key {
    match p {
        Priority::Low => Key::PriorityLow,
        Priority::Normal => Key::PriorityNormal,
        Priority::High => Key::PriorityHigh,
        Priority::Urgent => Key::PriorityUrgent,
    }
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
    let i18n = use_i18n();
    let t = move |key: Key| move || i18n.t(key);
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
        .map(|e| i18n.error(&e))
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
            <h1>{t(Key::Tasks)}</h1>
            <ActionForm action=create node_ref=create_form attr:class="task-new">
                <input type="text" name="title" placeholder=t(Key::NewTask) aria-label=t(Key::Title) required maxlength="200"/>
                <details>
                    <summary>{t(Key::More)}</summary>
                    <textarea name="description" aria-label=t(Key::Description) placeholder=t(Key::DescriptionHint) rows="3"></textarea>
                    <PriorityField selected=Priority::Normal/>
                    <label>{t(Key::Due)} <input type="date" name="due"/></label>
                    <label>{t(Key::Tags)} <input type="text" name="tags" placeholder=t(Key::TagsHint)/></label>
                </details>
                <button type="submit" class="primary">{t(Key::Add)}</button>
            </ActionForm>

            <Form method="GET" action="" attr:class="task-filters">
                <input type="search" name="q" aria-label=t(Key::Search) placeholder=t(Key::Search) prop:value=move || param("q")/>
                <select name="status" aria-label=t(Key::Status)>
                    {[("all", Key::All), ("open", Key::Open), ("done", Key::Done)].into_iter().map(|(v, l)| view! {
                        <option value=v selected=move || param("status") == v>{t(l)}</option>
                    }).collect_view()}
                </select>
                <select name="priority" aria-label=t(Key::PriorityFilter)>
                    <option value="">{t(Key::AnyPriority)}</option>
                    {Priority::ALL.into_iter().map(|p| view! {
                        <option value=p.as_str() selected=move || param("priority") == p.as_str()>{t(priority_key(p))}</option>
                    }).collect_view()}
                </select>
                <select name="due" aria-label=t(Key::Due)>
                    {[("", Key::AnyTime), ("overdue", Key::Overdue), ("today", Key::DueToday), ("week", Key::ThisWeek)].into_iter().map(|(v, l)| view! {
                        <option value=v selected=move || param("due") == v>{t(l)}</option>
                    }).collect_view()}
                </select>
                <input type="text" name="tag" aria-label=t(Key::Tag) placeholder=t(Key::Tag) prop:value=move || param("tag")/>
                <select name="sort" aria-label=t(Key::Sort)>
                    {[("smart", Key::SortDue), ("priority", Key::SortPriority), ("created", Key::SortNewest), ("title", Key::SortTitle)].into_iter().map(|(v, l)| view! {
                        <option value=v selected=move || param("sort") == v>{t(l)}</option>
                    }).collect_view()}
                </select>
                <button type="submit">{t(Key::Apply)}</button>
            </Form>

            <Show when=move || action_error().is_some()>
                <p class="error" role="alert">{action_error}</p>
            </Show>

            <Transition fallback=move || view! { <p>{t(Key::Loading)}</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Err(e) => view! { <p class="error">{move || i18n.error(&e)}</p> }.into_any(),
                        Ok(list) if list.is_empty() && filtered() => view! {
                            <p class="empty">{t(Key::NoMatch)} <A href="/tasks">{t(Key::ShowAll)}</A></p>
                        }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="empty">
                                <p>{t(Key::NoTasks)}</p>
                                <p>{t(Key::NoTasksHint)}</p>
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

            {move || deleted().map(|task| {
                let title = task.title.clone();
                let id = task.id;
                view! {
                    <div class="toast" role="status">
                        <span>{move || i18n.fill(Key::Deleted, "{name}", &title)}</span>
                        <button type="button" class="link" on:click=move |_| {
                            undone.set(Some(id));
                            restore.dispatch(RestoreTask { task: task.clone() });
                        }>{t(Key::Undo)}</button>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn PriorityField(selected: Priority) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>{move || i18n.t(Key::Priority)}
            <select name="priority">
                {Priority::ALL.into_iter().map(|p| view! {
                    <option value=p.as_str() selected={p == selected}>{move || i18n.t(priority_key(p))}</option>
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
    let i18n = use_i18n();
    let tr = move |key: Key| move || i18n.t(key);
    let t = task;
    let due = due_text(t.due_at, i18n);
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
                    <button type="submit" class="check" aria-label=tr(if t.completed { Key::Reopen } else { Key::Complete })>
                        {if t.completed { "☑" } else { "☐" }}
                    </button>
                </ActionForm>
                <span class="task-title">{t.title.clone()}</span>
                <span class=format!("badge priority-{}", t.priority.as_str())>{tr(priority_key(t.priority))}</span>
                {due.map(|d| view! { <span class="due" class:overdue=late>{d}</span> })}
                {t.tags.iter().map(|tag| view! {
                    <A href=format!("/tasks?tag={}", crate::url::encode(tag)) attr:class="tag">{format!("#{tag}")}</A>
                }).collect_view()}
                <ActionForm action=delete attr:class="inline">
                    <input type="hidden" name="id" value=t.id/>
                    <button type="submit" class="link danger" aria-label=tr(Key::Delete)>{tr(Key::Delete)}</button>
                </ActionForm>
            </div>
            {(!description.is_empty()).then(|| view! { <Markdown text=Signal::stored(description)/> })}
            <details class="task-edit">
                <summary>{tr(Key::Edit)}</summary>
                <ActionForm action=update attr:class="stack">
                    <input type="hidden" name="id" value=t.id/>
                    <label>{tr(Key::Title)} <input type="text" name="title" value=t.title.clone() required maxlength="200"/></label>
                    <label>{tr(Key::Description)} <textarea name="description" rows="4">{t.description.clone()}</textarea></label>
                    <PriorityField selected=t.priority/>
                    <label>{tr(Key::Due)} <input type="date" name="due" value=due_value/></label>
                    <label>{tr(Key::Tags)} <input type="text" name="tags" value=tags/></label>
                    <button type="submit" class="primary">{tr(Key::Save)}</button>
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
    let i18n = use_i18n();
    let t = move |key: Key| move || i18n.t(key);
    let greeting = move || match &name {
        Some(n) => i18n.fill(Key::GreetingName, "{name}", n),
        None => i18n.t(Key::Greeting).to_string(),
    };
    view! {
        <section class="home dashboard">
            <h1>{greeting}</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <p class="error">{move || i18n.error(&e)}</p> }.into_any(),
                        Ok(o) => view! {
                            <ul class="counts">
                                <li><A href="/tasks?status=open"><strong class="count-open">{o.open}</strong>{t(Key::CountOpen)}</A></li>
                                <li><A href="/tasks?status=open&due=today"><strong class="count-today">{o.due_today}</strong>{t(Key::CountDueToday)}</A></li>
                                <li class:alert={o.overdue != 0}><A href="/tasks?due=overdue"><strong class="count-overdue">{o.overdue}</strong>{t(Key::CountOverdue)}</A></li>
                            </ul>
                            {if o.next.is_empty() {
                                view! { <p class="empty">{t(Key::NothingOpen)} <A href="/tasks">{t(Key::YourTasks)}</A> {t(Key::OrInTheChat)}</p> }.into_any()
                            } else {
                                view! {
                                    <h2>{t(Key::NextUp)}</h2>
                                    <ul class="task-list next">
                                        {o.next.into_iter().map(|task| view! {
                                            <li class="task">
                                                <span class="task-title">{task.title.clone()}</span>
                                                {due_text(task.due_at, i18n).map(|d| view! { <span class="due" class:overdue={overdue(&task)}>{d}</span> })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                    <p><A href="/tasks">{t(Key::AllTasks)}</A></p>
                                }.into_any()
                            }}
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
