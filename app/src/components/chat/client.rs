//! The browser side of `POST /api/chatkit`: JSON requests, SSE streams read from the response
//! body as they arrive (EventSource cannot POST), and attachment uploads.

use serde::de::DeserializeOwned;

#[cfg(feature = "hydrate")]
use crate::chatkit::types::{Attachment, UploadDescriptor};
use crate::chatkit::types::{ChatKitRequest, ThreadStreamEvent};

pub const ENDPOINT: &str = "/api/chatkit";

#[derive(Clone, Debug, PartialEq)]
pub enum ClientError {
    /// 401: the token expired; the caller refreshes it and may retry.
    Unauthorized,
    /// 429: too many turns; `Retry-After` in seconds when the server said.
    RateLimited {
        retry_after: Option<u64>,
    },
    /// Any other refusal, with the server's message.
    Http {
        status: u16,
        message: String,
    },
    Network(String),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Unauthorized => write!(f, "Your session has expired. Please try again."),
            ClientError::RateLimited { retry_after } => write!(
                f,
                "Slow down: try again in {} s.",
                retry_after.unwrap_or(10)
            ),
            ClientError::Http { message, .. } => write!(f, "{message}"),
            ClientError::Network(m) => write!(f, "Network error: {m}"),
        }
    }
}

/// Splits complete SSE frames off the front of `buf` and decodes their `data:` lines.
pub fn drain_frames(buf: &mut Vec<u8>) -> Vec<ThreadStreamEvent> {
    let mut out = Vec::new();
    while let Some(pos) = buf.windows(2).position(|w| w == b"\n\n") {
        let frame: Vec<u8> = buf.drain(..pos + 2).collect();
        let text = String::from_utf8_lossy(&frame);
        let data: String = text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        if let Ok(ev) = serde_json::from_str::<ThreadStreamEvent>(&data) {
            out.push(ev);
        }
    }
    out
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use gloo_net::http::{Request, Response};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    /// The panel's language (the `lang` the UI switch sets on `<html>`): the server words the
    /// assistant's badges in it, whatever the browser's own languages are.
    fn ui_language() -> Option<String> {
        web_sys::window()?
            .document()?
            .document_element()?
            .get_attribute("lang")
            .filter(|l| !l.is_empty())
    }

    async fn send(token: &str, req: &ChatKitRequest) -> Result<Response, ClientError> {
        let body = serde_json::to_string(req).map_err(|e| ClientError::Network(e.to_string()))?;
        let mut request = Request::post(ENDPOINT);
        if let Some(lang) = ui_language() {
            request = request.header("Accept-Language", &lang);
        }
        let res = request
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .body(body)
            .map_err(|e| ClientError::Network(e.to_string()))?
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        checked(res).await
    }

    /// The response when it is a success; else the server's refusal as a `ClientError`.
    async fn checked(res: Response) -> Result<Response, ClientError> {
        if res.status() == 401 {
            return Err(ClientError::Unauthorized);
        }
        if res.status() == 429 {
            let retry_after = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.trim().parse().ok());
            return Err(ClientError::RateLimited { retry_after });
        }
        if !res.ok() {
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            let message = serde_json::from_str::<crate::chatkit::types::ErrorBody>(&text)
                .map(|b| b.error.message)
                .unwrap_or_else(|_| format!("The server answered {status}."));
            return Err(ClientError::Http { status, message });
        }
        Ok(res)
    }

    /// Sends a file to an attachment's upload URL as multipart (field `file`), like the official
    /// client, and returns the uploaded attachment.
    pub async fn upload(
        token: &str,
        descriptor: &UploadDescriptor,
        file: &web_sys::File,
    ) -> Result<Attachment, ClientError> {
        let js = |e: wasm_bindgen::JsValue| ClientError::Network(format!("{e:?}"));
        let form = web_sys::FormData::new().map_err(js)?;
        form.append_with_blob_and_filename("file", file, &file.name())
            .map_err(js)?;
        let mut req = match descriptor.method.to_ascii_uppercase().as_str() {
            "PUT" => Request::put(&descriptor.url),
            _ => Request::post(&descriptor.url),
        };
        // The token goes to our own origin only, whatever URL the server named.
        if same_origin(&descriptor.url) {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        for (name, value) in &descriptor.headers {
            if let Some(value) = value.as_str() {
                req = req.header(name, value);
            }
        }
        let res = req
            .body(form)
            .map_err(|e| ClientError::Network(e.to_string()))?
            .send()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))?;
        checked(res)
            .await?
            .json::<Attachment>()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))
    }

    fn same_origin(url: &str) -> bool {
        let origin = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        (url.starts_with('/') && !url.starts_with("//"))
            || (!origin.is_empty() && url.starts_with(&format!("{origin}/")))
    }

    pub async fn request_json<T: DeserializeOwned>(
        token: &str,
        req: &ChatKitRequest,
    ) -> Result<T, ClientError> {
        let res = send(token, req).await?;
        res.json::<T>()
            .await
            .map_err(|e| ClientError::Network(e.to_string()))
    }

    pub async fn request_stream(
        token: &str,
        req: &ChatKitRequest,
        mut on_event: impl FnMut(ThreadStreamEvent),
    ) -> Result<(), ClientError> {
        let res = send(token, req).await?;
        let Some(body) = res.body() else {
            return Ok(());
        };
        let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        let mut buf = Vec::new();
        loop {
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|e| ClientError::Network(format!("{e:?}")))?;
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            if done {
                break;
            }
            if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) {
                buf.extend(js_sys::Uint8Array::new(&value).to_vec());
                for ev in drain_frames(&mut buf) {
                    on_event(ev);
                }
            }
        }
        Ok(())
    }
}

#[cfg(feature = "hydrate")]
pub use browser::{request_json, request_stream, upload};

#[cfg(not(feature = "hydrate"))]
pub async fn request_json<T: DeserializeOwned>(
    _token: &str,
    _req: &ChatKitRequest,
) -> Result<T, ClientError> {
    Err(ClientError::Network("the chat runs in the browser".into()))
}

#[cfg(not(feature = "hydrate"))]
pub async fn request_stream(
    _token: &str,
    _req: &ChatKitRequest,
    _on_event: impl FnMut(ThreadStreamEvent),
) -> Result<(), ClientError> {
    Err(ClientError::Network("the chat runs in the browser".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_across_chunks_are_decoded_once_complete() {
        let mut buf =
            b"data: {\"type\":\"progress_update\",\"text\":\"a\"}\n\ndata: {\"type\":\"progress_"
                .to_vec();
        let evs = drain_frames(&mut buf);
        assert_eq!(evs.len(), 1);
        buf.extend(b"update\",\"text\":\"b\"}\n\n");
        let evs = drain_frames(&mut buf);
        assert_eq!(
            evs,
            vec![ThreadStreamEvent::ProgressUpdate {
                icon: None,
                text: "b".into()
            }]
        );
        assert!(buf.is_empty());
    }
}
