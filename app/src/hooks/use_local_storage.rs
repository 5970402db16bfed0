//! A string in `localStorage`: read once the page is hydrated, written on every change.

use leptos::prelude::*;

/// A signal mirrored to `localStorage[key]`; `None` removes the key.
pub fn use_local_storage(key: &'static str) -> RwSignal<Option<String>> {
    let value = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    {
        let storage = || web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        value.set(storage().and_then(|s| s.get_item(key).ok().flatten()));
        Effect::new(move |_| {
            if let Some(s) = storage() {
                let _ = match value.get() {
                    Some(v) => s.set_item(key, &v),
                    None => s.remove_item(key),
                };
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
    value
}
