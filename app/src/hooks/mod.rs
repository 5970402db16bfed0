//! Small browser hooks, one per file, each a no-op during server rendering.

pub mod use_auto_scroll;
pub mod use_clipboard;
pub mod use_event_source;
pub mod use_ime_enter;
pub mod use_local_storage;
