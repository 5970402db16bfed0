//! Requests: every `{"type", "params"}` the engine answers, listed once in one table, their
//! params, the strict-but-lenient parse, and the error body sent before a stream begins.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{InferenceOptions, UserMessageContent};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserMessageInput {
    pub content: Vec<UserMessageContent>,
    /// Required, as in the SDK (the official client always sends it).
    pub attachments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_text: Option<String>,
    pub inference_options: InferenceOptions,
}

impl UserMessageInput {
    pub fn text(text: impl Into<String>) -> Self {
        UserMessageInput {
            content: vec![UserMessageContent::InputText { text: text.into() }],
            attachments: Vec::new(),
            quoted_text: None,
            inference_options: InferenceOptions::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Asc,
    #[default]
    Desc,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Action {
    /// The SDK accepts an action without a type; it then matches no handler.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub payload: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    Positive,
    Negative,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateThreadParams {
    pub input: UserMessageInput,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddUserMessageParams {
    pub thread_id: String,
    pub input: UserMessageInput,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddClientToolOutputParams {
    pub thread_id: String,
    pub result: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddStructuredInputParams {
    pub thread_id: String,
    pub item_id: String,
    pub input: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadItemParams {
    pub thread_id: String,
    pub item_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CustomActionParams {
    pub thread_id: String,
    #[serde(default)]
    pub item_id: Option<String>,
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreadIdParams {
    pub thread_id: String,
}

/// Integers as pydantic reads them in lax mode: `2`, `2.0` and `"2"` are all 2.
mod lax_int {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_i64(*n),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let bad = || D::Error::custom("expected an integer");
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Ok(Some(i)),
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9e15 => Ok(Some(f as i64)),
                _ => Err(bad()),
            },
            Value::String(s) => s.trim().parse().map(Some).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }

    /// The same for a required integer (`"size": "2048"` is 2048).
    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        deserialize(d)?.ok_or_else(|| D::Error::custom("expected an integer"))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ListParams {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "lax_int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub order: Order,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListItemsParams {
    pub thread_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "lax_int")]
    pub limit: Option<i64>,
    #[serde(default)]
    pub order: Order,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateThreadParams {
    pub thread_id: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeedbackParams {
    pub thread_id: String,
    pub item_ids: Vec<String>,
    pub kind: FeedbackKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreateAttachmentParams {
    pub name: String,
    #[serde(deserialize_with = "lax_int::required")]
    pub size: i64,
    pub mime_type: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttachmentIdParams {
    pub attachment_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscribeParams {
    /// Standard base64 with padding.
    pub audio_base64: String,
    pub mime_type: String,
}

impl TranscribeParams {
    pub fn new(audio: &[u8], mime_type: impl Into<String>) -> Self {
        TranscribeParams {
            audio_base64: BASE64.encode(audio),
            mime_type: mime_type.into(),
        }
    }

    /// The audio bytes; `None` when `audio_base64` is not valid base64.
    pub fn audio(&self) -> Option<Vec<u8>> {
        BASE64.decode(&self.audio_base64).ok()
    }
}

/// The request table, written once: each row is the wire name, the variant with its params,
/// and whether the request starts a model turn. The enum, its serde names, `parse`, `TYPES` and
/// `STREAMING_TYPES` all come from it.
macro_rules! requests {
    ($(
        $(#[$doc:meta])*
        $wire:literal => $variant:ident($params:ty), turn: $turn:literal;
    )*) => {
        /// Every request: `{"type": …, "params": {…}, "metadata": {…}}`.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(tag = "type", content = "params")]
        pub enum ChatKitRequest {
            $(
                $(#[$doc])*
                #[serde(rename = $wire)]
                $variant($params),
            )*
        }

        const REQUEST_COUNT: usize = [$($wire),*].len();

        impl ChatKitRequest {
            /// Every request type, by wire name.
            pub const TYPES: [&'static str; REQUEST_COUNT] = [$($wire),*];

            /// Whether each of `TYPES` starts a model turn.
            const TURNS: [bool; REQUEST_COUNT] = [$($turn),*];

            /// The wire name of this request.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $wire,)*
                }
            }

            /// The request of a known `kind` with these params; `None` when the kind is unknown.
            fn with_params(kind: &str, params: Value) -> Option<Result<Self, RequestError>> {
                match kind {
                    $($wire => Some(params_of(kind, params).map(Self::$variant)),)*
                    _ => None,
                }
            }
        }
    };
}

requests! {
    "threads.create" => CreateThread(CreateThreadParams), turn: true;
    "threads.add_user_message" => AddUserMessage(AddUserMessageParams), turn: true;
    "threads.add_client_tool_output" => AddClientToolOutput(AddClientToolOutputParams), turn: true;
    "threads.add_structured_input" => AddStructuredInput(AddStructuredInputParams), turn: true;
    "threads.retry_after_item" => RetryAfterItem(ThreadItemParams), turn: true;
    "threads.custom_action" => CustomAction(CustomActionParams), turn: true;
    "threads.sync_custom_action" => SyncCustomAction(CustomActionParams), turn: false;
    "threads.get_by_id" => GetThread(ThreadIdParams), turn: false;
    "threads.list" => ListThreads(ListParams), turn: false;
    "threads.update" => UpdateThread(UpdateThreadParams), turn: false;
    "threads.delete" => DeleteThread(ThreadIdParams), turn: false;
    "items.list" => ListItems(ListItemsParams), turn: false;
    "items.feedback" => Feedback(FeedbackParams), turn: false;
    "attachments.create" => CreateAttachment(CreateAttachmentParams), turn: false;
    "attachments.delete" => DeleteAttachment(AttachmentIdParams), turn: false;
    "input.transcribe" => Transcribe(TranscribeParams), turn: false;
    /// Ours, not the SDK's: stop the run in flight on a thread (see docs/chatkit-compat.md).
    "todokit.threads.cancel" => CancelRun(ThreadIdParams), turn: false;
    /// Ours: re-attach to the run in flight on a thread, e.g. after a reload: its events so
    /// far, then the rest as they come (see docs/chatkit-compat.md). It streams, but starts no
    /// turn.
    "todokit.threads.resume" => ResumeRun(ThreadIdParams), turn: false;
}

/// Why a request body could not be understood; the engine maps these to 400/422.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error("request body is not valid JSON: {0}")]
    Malformed(String),
    #[error("unknown request type '{0}'")]
    UnknownType(String),
    #[error("invalid params for '{kind}': {reason}")]
    Invalid { kind: String, reason: String },
}

fn params_of<T: serde::de::DeserializeOwned>(kind: &str, v: Value) -> Result<T, RequestError> {
    serde_json::from_value(v).map_err(|e| RequestError::Invalid {
        kind: kind.to_string(),
        reason: e.to_string(),
    })
}

const TURN_COUNT: usize = {
    let (mut n, mut i) = (0, 0);
    while i < REQUEST_COUNT {
        n += ChatKitRequest::TURNS[i] as usize;
        i += 1;
    }
    n
};

impl ChatKitRequest {
    /// Parses a request leniently (unknown keys ignored) with an error that names what is wrong.
    pub fn parse(body: &[u8]) -> Result<ChatKitRequest, RequestError> {
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(rename = "type")]
            kind: Option<Value>,
            params: Option<Value>,
        }
        // Through `Value` first so a repeated key keeps its last value, as Python's json does.
        let value: Value =
            serde_json::from_slice(body).map_err(|e| RequestError::Malformed(e.to_string()))?;
        let env: Envelope =
            serde_json::from_value(value).map_err(|e| RequestError::Malformed(e.to_string()))?;
        let kind = match env.kind {
            Some(Value::String(s)) => s,
            Some(other) => return Err(RequestError::UnknownType(other.to_string())),
            None => {
                return Err(RequestError::Invalid {
                    kind: String::new(),
                    reason: "missing field `type`".into(),
                })
            }
        };
        let Some(params) = env.params else {
            return if Self::TYPES.contains(&kind.as_str()) {
                Err(RequestError::Invalid {
                    kind,
                    reason: "missing field `params`".into(),
                })
            } else {
                Err(RequestError::UnknownType(kind))
            };
        };
        Self::with_params(&kind, params).unwrap_or(Err(RequestError::UnknownType(kind)))
    }

    /// The request types that start a model turn; each is answered with an SSE stream (the rate
    /// limit counts these).
    pub const STREAMING_TYPES: [&'static str; TURN_COUNT] = {
        let mut out = [""; TURN_COUNT];
        let (mut i, mut n) = (0, 0);
        while i < REQUEST_COUNT {
            if Self::TURNS[i] {
                out[n] = Self::TYPES[i];
                n += 1;
            }
            i += 1;
        }
        out
    };

    /// Whether this request starts a model turn (its type is one of `STREAMING_TYPES`).
    pub fn starts_turn(&self) -> bool {
        Self::STREAMING_TYPES.contains(&self.kind())
    }
}

/// The JSON error body our server sends before a stream begins (the SDK has none; see compat doc).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub allow_retry: bool,
}
