//! Light or dark: the system's choice until the user picks one with the toggle, which is
//! remembered; applied as `<html data-theme>` (style/main.css holds both palettes).

use leptos::prelude::*;

use crate::components::icons::{icon, Icon};
use crate::i18n::{use_i18n, Key};

#[cfg(feature = "hydrate")]
const STORAGE_KEY: &str = "todokit.theme";

/// `Some(true)` dark, `Some(false)` light, `None` the system's.
#[derive(Clone, Copy)]
pub struct Theme(pub RwSignal<Option<bool>>);

/// Provides the theme; the stored choice is read once hydrated (the server renders "system").
pub fn provide_theme() -> Theme {
    let theme = Theme(RwSignal::new(None));
    provide_context(theme);
    #[cfg(feature = "hydrate")]
    Effect::new(move |first: Option<()>| {
        if first.is_none() {
            let stored = crate::hooks::use_local_storage::stored_item(STORAGE_KEY);
            theme.0.set(match stored.as_deref() {
                Some("dark") => Some(true),
                Some("light") => Some(false),
                _ => None,
            });
        }
        if let Some(html) = document().document_element() {
            let _ = match theme.0.get() {
                Some(dark) => html.set_attribute("data-theme", if dark { "dark" } else { "light" }),
                None => html.remove_attribute("data-theme"),
            };
        }
    });
    theme
}

/// Whether the page shows dark now (the choice, else the system's preference).
fn is_dark(theme: Theme) -> bool {
    theme.0.get().unwrap_or_else(system_dark)
}

fn system_dark() -> bool {
    #[cfg(feature = "hydrate")]
    {
        window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches())
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// The toggle: pressed when dark.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let i18n = use_i18n();
    let theme = use_context::<Theme>().unwrap_or(Theme(RwSignal::new(None)));
    let toggle = move |_| {
        let dark = !is_dark(theme);
        theme.0.set(Some(dark));
        #[cfg(feature = "hydrate")]
        crate::hooks::use_local_storage::store_item(
            STORAGE_KEY,
            Some(if dark { "dark" } else { "light" }),
        );
    };
    view! {
        <button type="button" class="icon" title=move || i18n.t(Key::DarkTheme)
            aria-label=move || i18n.t(Key::DarkTheme)
            aria-pressed=move || is_dark(theme).to_string()
            on:click=toggle>{icon(Icon::Theme)}</button>
    }
}
