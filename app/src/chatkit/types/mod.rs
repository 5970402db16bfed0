//! Every ChatKit wire type and nothing else, shared by the server and the WASM client.
//! Field order and `None` omission follow the Python SDK's pydantic models (see docs/chatkit-compat.md).

mod event;
mod item;
mod request;
mod thread;
pub mod timestamp;

pub use event::*;
pub use item::*;
pub use request::*;
pub use thread::*;

use serde_json::{Map, Value};

pub type Metadata = Map<String, Value>;

#[cfg(test)]
mod tests;
