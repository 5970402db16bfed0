#![recursion_limit = "512"]
//! todokit's isomorphic crate: pages, components and server functions, the ChatKit wire types
//! shared with the browser, and (behind the `ssr` feature) the store, agent, tools and auth.

pub mod attachments;
pub mod auth;
pub mod chatkit;
pub mod components;
pub mod error;
pub mod hooks;
pub mod i18n;
pub mod tasks;
pub mod url;

#[cfg(feature = "ssr")]
pub mod agent;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod tools;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::StaticSegment;

use auth::{provide_auth, use_auth, SignInPage, SignOutButton, SignUpPage};
use components::chat::ChatLauncher;
use i18n::{use_i18n, Key};
use tasks::TasksPage;

/// The HTML document around the app, rendered on the server in the request's language (the
/// browser reads `<html lang>` back to hydrate in it).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = i18n::initial_locale();
    view! {
        <!DOCTYPE html>
        <html lang=locale.code() dir=locale.dir()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The UI language (the request's, see `shell`) and theme; in the browser both keep
    // `<html lang dir data-theme>` in step.
    let i18n = i18n::provide_i18n();
    let t = move |key: Key| move || i18n.t(key);
    components::theme::provide_theme();
    let auth = provide_auth();
    let signed_in = move || matches!(auth.session(), Some(Ok(Some(_))));

    view! {
        <Stylesheet id="leptos" href="/pkg/todokit.css"/>
        <Title text="todokit"/>
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">"todokit"</A>
                <Transition fallback=|| ()>
                    <nav>
                        {move || if signed_in() {
                            view! { <A href="/tasks">{t(Key::Tasks)}</A> <SignOutButton/> }.into_any()
                        } else {
                            view! { <A href="/signin">{t(Key::SignIn)}</A> <A href="/signup">{t(Key::SignUp)}</A> }.into_any()
                        }}
                    </nav>
                </Transition>
            </header>
            <main>
                <Routes fallback=move || view! { <p>{t(Key::PageNotFound)}</p> }>
                    <Route path=StaticSegment("") view=HomePage/>
                    <Route path=StaticSegment("signin") view=SignInPage/>
                    <Route path=StaticSegment("signup") view=SignUpPage/>
                    <Route path=StaticSegment("tasks") view=move || view! { <RequireUser><TasksPage/></RequireUser> }/>
                </Routes>
            </main>
            <Transition fallback=|| ()>
                <Show when=signed_in>
                    <ChatLauncher/>
                </Show>
            </Transition>
        </Router>
    }
}

/// Shows its children to signed-in users and sends everyone else to sign in. The server
/// redirects first (see `auth::PROTECTED_PATHS`); this covers a session that ends in the page.
#[component]
fn RequireUser(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = leptos_router::hooks::use_location();
    let i18n = use_i18n();
    let loading = move || view! { <p>{move || i18n.t(Key::Loading)}</p> };
    view! {
        <Transition fallback=loading>
            {move || match auth.session() {
                Some(Ok(Some(_))) => children().into_any(),
                Some(_) => {
                    let search = location.search.get_untracked();
                    let here = match search.is_empty() {
                        true => location.pathname.get_untracked(),
                        false => format!("{}?{search}", location.pathname.get_untracked()),
                    };
                    view! { <Redirect path=auth::sign_in_url(&here)/> }.into_any()
                }
                // Loading, or reloading after a sign-in: wait for the fresh answer.
                None => loading().into_any(),
            }}
        </Transition>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let t = move |key: Key| move || i18n.t(key);
    view! {
        <Transition fallback=|| ()>
            {move || match auth.session() {
                Some(Ok(Some(s))) => view! { <tasks::Dashboard name=s.name/> }.into_any(),
                None => ().into_any(),
                Some(_) => view! {
                    <section class="home">
                        <h1>"todokit"</h1>
                        <p>{t(Key::Tagline)}</p>
                        <p><A href="/signup">{t(Key::CreateAccount)}</A> {t(Key::Or)} <A href="/signin">{t(Key::SignInLower)}</A> {t(Key::FullStop)}</p>
                    </section>
                }.into_any(),
            }}
        </Transition>
    }
}
