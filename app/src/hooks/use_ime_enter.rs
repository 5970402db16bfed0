//! `use_ime_enter(on_enter)`: a `keydown` handler for a text box where Enter submits,
//! Shift+Enter makes a new line, and the Enter that ends an IME composition only commits it.

use leptos::ev::KeyboardEvent;

/// Calls `on_enter` (and keeps the newline out) on a plain Enter outside an IME composition.
/// It only handles events, so server rendering never calls it.
pub fn use_ime_enter(on_enter: impl Fn() + Copy + 'static) -> impl Fn(KeyboardEvent) + Copy {
    move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            on_enter();
        }
    }
}
