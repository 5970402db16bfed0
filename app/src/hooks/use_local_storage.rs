//! A string in `localStorage`: read once the page is hydrated, written on every change.

use leptos::prelude::*;

/// `localStorage[key]`, when the browser lets us read it.
#[cfg(feature = "hydrate")]
pub fn stored_item(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// Sets `localStorage[key]` (`None` removes it); a browser that refuses storage keeps nothing.
#[cfg(feature = "hydrate")]
pub fn store_item(key: &str, value: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match value {
            Some(v) => s.set_item(key, v),
            None => s.remove_item(key),
        };
    }
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// A signal mirrored to `localStorage[key]`; `None` removes the key.
pub fn use_local_storage(key: &'static str) -> RwSignal<Option<String>> {
    let value = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        value.set(stored_item(key));
        Effect::new(move |_| value.with(|v| store_item(key, v.as_deref())));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
    value
}
