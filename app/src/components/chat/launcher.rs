//! The floating button and the split point behind it: the panel's code is fetched on first open.

use super::*;

#[component]
pub fn ChatLauncher() -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    // Bumped by "Retry" when the panel's code could not be fetched.
    let attempt = Trigger::new();
    let launcher = NodeRef::<html::Button>::new();
    // Focus goes back to the launcher when the panel closes.
    let close = move || {
        open.set(false);
        if let Some(b) = launcher.get_untracked() {
            let _ = b.focus();
        }
    };
    view! {
        <button
            class="chat-launcher"
            node_ref=launcher
            aria-label=move || i18n.t(Key::OpenChat)
            aria-expanded=move || open.get().to_string()
            on:pointerenter=move |_| warm_panel()
            on:focus=move |_| warm_panel()
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {move || if open.get() { icon(Icon::Close).into_any() } else { icon(Icon::Chat).into_any() }}
        </button>
        <Show when=move || open.get()>
            <Suspense fallback=|| ()>
                {move || {
                    attempt.track();
                    Suspend::new(async move {
                        match load_panel(Callback::new(move |()| close())).await {
                            Ok(panel) => panel,
                            Err(PanelUnavailable) => view! {
                                <div class="chat-panel chat-load-error" role="alert">
                                    <p>{move || i18n.t(Key::ErrOffline)}</p>
                                    <button type="button" on:click=move |_| attempt.notify()>
                                        {move || i18n.t(Key::Retry)}
                                    </button>
                                </div>
                            }
                            .into_any(),
                        }
                    })
                }}
            </Suspense>
        </Show>
    }
}

/// The panel's code could not be fetched (offline, say): the launcher offers a retry.
#[derive(Clone, Copy, Debug)]
struct PanelUnavailable;

#[cfg(feature = "hydrate")]
impl From<leptos::wasm_split::SplitLoaderError> for PanelUnavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        PanelUnavailable
    }
}

/// The split point (`cargo leptos --split`): the panel and all that only it reaches are a WASM
/// chunk of their own, fetched on first open, so pages do not pay for them on first load.
/// `fallible`: a failed fetch is an error shown here, not a panic that would stop the page.
#[cfg_attr(
    feature = "hydrate",
    leptos::wasm_split::wasm_split(
        todokit_chat_panel,
        wasm_split_path = ::leptos::wasm_split,
        preload(preload_chat_panel),
        fallible
    )
)]
fn chat_panel(on_close: Callback<()>) -> Result<AnyView, PanelUnavailable> {
    Ok(view! { <ChatPanel on_close=move || on_close.run(())/> }.into_any())
}

/// Starts fetching the panel's chunk when the pointer or focus reaches the launcher, so the
/// click finds it loaded or under way (a failure is retried on the click).
fn warm_panel() {
    #[cfg(feature = "hydrate")]
    spawn_local(async {
        let _ = preload_chat_panel().await;
    });
}

async fn load_panel(on_close: Callback<()>) -> Result<AnyView, PanelUnavailable> {
    #[cfg(feature = "hydrate")]
    return chat_panel(on_close).await;
    #[cfg(not(feature = "hydrate"))]
    return chat_panel(on_close);
}
