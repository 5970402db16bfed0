//! The history view: threads paged in 20 at a time, search, rename, delete with confirm.

use super::*;

/// One page of the history (`threads.list`, 20 at a time from `after`), added to what is shown.
pub(super) fn load_threads(chat: Chat, after: Option<String>) {
    let Some(token) = api_token() else { return };
    spawn_local(async move {
        let req = ChatKitRequest::ListThreads(ListParams {
            limit: Some(20),
            after,
            ..Default::default()
        });
        match client::request_json::<Page<Thread>>(&token, &req).await {
            Ok(page) => {
                chat.threads_after
                    .set(page.has_more.then_some(page.after).flatten());
                chat.threads.update(|t| t.extend(page.data));
            }
            Err(e) => chat
                .error
                .set(Some(PanelError::from_client(&e, chat.i18n, None))),
        }
    });
}

#[component]
pub(super) fn HistoryList(chat: Chat) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let confirming = RwSignal::new(None::<String>);
    let fail = move |e: ClientError| {
        chat.error
            .set(Some(PanelError::from_client(&e, i18n, None)))
    };
    let open_thread = move |id: String| {
        chat.items.set(Vec::new());
        chat.loaded_for.set(None);
        chat.thread_id.set(Some(id));
        chat.view.set(PanelView::Chat);
    };
    let delete = move |id: String| {
        confirming.set(None);
        let Some(token) = api_token() else { return };
        spawn_local(async move {
            let req = ChatKitRequest::DeleteThread(ThreadIdParams {
                thread_id: id.clone(),
            });
            match client::request_json::<serde_json::Value>(&token, &req).await {
                Ok(_) => {
                    chat.threads.update(|t| t.retain(|t| t.id != id));
                    if chat.thread_id.get_untracked().as_deref() == Some(id.as_str()) {
                        chat.thread_id.set(None);
                        chat.items.set(Vec::new());
                        chat.title.set(None);
                    }
                }
                Err(e) => fail(e),
            }
        });
    };
    let rename = move |id: String, title: String| {
        let Some(token) = api_token() else { return };
        spawn_local(async move {
            let req = ChatKitRequest::UpdateThread(UpdateThreadParams {
                thread_id: id.clone(),
                title,
            });
            match client::request_json::<Thread>(&token, &req).await {
                Ok(t) => {
                    chat.threads.update(|list| {
                        if let Some(x) = list.iter_mut().find(|x| x.id == t.id) {
                            x.title = t.title.clone();
                        }
                    });
                    if chat.thread_id.get_untracked().as_deref() == Some(id.as_str()) {
                        chat.title.set(t.title);
                    }
                }
                Err(e) => fail(e),
            }
        });
    };
    // The next page once the list is scrolled near its end.
    let history_ref = NodeRef::<html::Div>::new();
    let more = move || {
        // Taken, so a second scroll event does not ask for the same page.
        if let Some(after) = chat.threads_after.get_untracked() {
            chat.threads_after.set(None);
            load_threads(chat, Some(after));
        }
    };
    let on_scroll = move |_| {
        if let Some(el) = history_ref.get_untracked() {
            if el.scroll_height() - el.scroll_top() - el.client_height() < 80 {
                more();
            }
        }
    };
    // A search that filters the loaded page down also asks for the next one.
    Effect::new(move |_| {
        query.track();
        if !query.with_untracked(String::is_empty) {
            more();
        }
    });
    let shown = move || {
        let q = query.get().to_lowercase();
        chat.threads.with(|threads| {
            threads
                .iter()
                .filter(|t| {
                    q.is_empty()
                        || t.title
                            .as_deref()
                            .is_some_and(|title| title.to_lowercase().contains(&q))
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="chat-history" node_ref=history_ref on:scroll=on_scroll>
            <label class="history-search">
                {icon(Icon::Search)}
                <input type="search" dir="auto" aria-label=move || i18n.t(Key::SearchChats) placeholder=move || i18n.t(Key::SearchChats)
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
            </label>
            <Show when=move || chat.threads.with(Vec::is_empty)>
                <p class="chat-empty">{move || i18n.t(Key::NoChats)}</p>
            </Show>
            <ul>
                {move || shown().into_iter().map(|t| {
                    let id = t.id.clone();
                    let (id2, id3, id4) = (id.clone(), id.clone(), id.clone());
                    let title = t.title.clone().unwrap_or_else(|| i18n.t(Key::Untitled).into());
                    let editing = RwSignal::new(false);
                    let draft = RwSignal::new(title.clone());
                    let asking = {
                        let id = id.clone();
                        move || confirming.get().as_deref() == Some(id.as_str())
                    };
                    view! {
                        <li class="thread-row">
                            <Show when=move || editing.get() fallback={
                                let title = title.clone();
                                let id = id.clone();
                                move || view! {
                                    <button class="link thread-open" dir="auto" on:click={let id = id.clone(); move |_| open_thread(id.clone())}>{title.clone()}</button>
                                }
                            }>
                                <form class="inline" on:submit={let id = id2.clone(); move |ev| {
                                    ev.prevent_default();
                                    editing.set(false);
                                    rename(id.clone(), draft.get_untracked());
                                }}>
                                    <input dir="auto" aria-label=move || i18n.t(Key::ThreadTitle) prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))/>
                                </form>
                            </Show>
                            <Show when=asking.clone() fallback=move || {
                                let id = id3.clone();
                                view! {
                                    <button class="icon" title=move || i18n.t(Key::Rename) aria-label=move || i18n.t(Key::Rename) on:click=move |_| editing.set(true)>{icon(Icon::Edit)}</button>
                                    <button class="icon" title=move || i18n.t(Key::Delete) aria-label=move || i18n.t(Key::Delete) on:click=move |_| confirming.set(Some(id.clone()))>{icon(Icon::Trash)}</button>
                                }
                            }>
                                <span class="confirm" role="group" aria-label=move || i18n.t(Key::ConfirmDelete)>
                                    {move || i18n.t(Key::ConfirmDelete)}
                                    <button class="link danger" on:click={let id = id4.clone(); move |_| delete(id.clone())}>{move || i18n.t(Key::Delete)}</button>
                                    <button class="link" on:click=move |_| confirming.set(None)>{move || i18n.t(Key::Keep)}</button>
                                </span>
                            </Show>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
