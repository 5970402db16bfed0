//! What a widget sends back when used (the SDK's `actions.py`): a button click, a checkbox
//! change, a form submit, a card's confirm or cancel.

use serde::{Serialize, Serializer};
use serde_json::Value;

tokens!(
    /// Who handles an action: our server (`threads.custom_action`) or the page.
    Handler { Client = "client", Server = "server" }
);
tokens!(
    /// What shows a spinner while an action runs (`"self"` is the component that fired it).
    LoadingBehavior { Auto = "auto", None = "none", Component = "self", Container = "container" }
);

/// What a button click, checkbox change or form submit sends (`actions.py:ActionConfig`).
/// Every key is written, defaults included; a `null` payload is left out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionConfig {
    #[serde(rename = "type")]
    kind: String,
    payload: Option<Value>,
    handler: Handler,
    #[serde(rename = "loadingBehavior")]
    loading_behavior: LoadingBehavior,
    streaming: bool,
}

impl ActionConfig {
    pub fn new(kind: impl Into<String>) -> Self {
        ActionConfig {
            kind: kind.into(),
            payload: None,
            handler: Handler::Server,
            loading_behavior: LoadingBehavior::Auto,
            streaming: true,
        }
    }
    setters!(payload: Value);
    pub fn handler(mut self, handler: Handler) -> Self {
        self.handler = handler;
        self
    }
    pub fn loading_behavior(mut self, behavior: LoadingBehavior) -> Self {
        self.loading_behavior = behavior;
        self
    }
    pub fn streaming(mut self, streaming: bool) -> Self {
        self.streaming = streaming;
        self
    }
}
