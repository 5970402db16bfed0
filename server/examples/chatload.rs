//! A closed-loop load tool for any ChatKit server (ours or the official Python SDK's): N
//! connections, each sending one request after the other for a fixed time, measuring whole
//! requests per second, the time to the first SSE event and the time to the end of the stream.
//! `scripts/bench.sh` drives both servers with it, so both are measured the same way.
//!
//!   cargo run --release -p todokit-server --example chatload -- \
//!     --url http://127.0.0.1:3000/api/chatkit --kind create --conns 32 --secs 5 \
//!     -H 'Authorization: Bearer …'
//!
//! Kinds: `create` (threads.create: a new thread and a whole turn), `add`
//! (threads.add_user_message on the connection's own thread), `list` (threads.list, JSON), or
//! `--body TEXT [--content-type T]`: any request (a server function, `items.list`, an MCP call).
//! `--count N`: each connection sends N requests and stops (fixed work, for timing a whole run).
//! Prints one line of JSON.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};

struct Args {
    url: String,
    kind: String,
    conns: usize,
    secs: f64,
    warmup: f64,
    count: Option<u64>,
    text: String,
    body: Option<String>,
    content_type: String,
    headers: Vec<(String, String)>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        url: String::new(),
        kind: "create".into(),
        conns: 8,
        secs: 5.0,
        warmup: 1.0,
        count: None,
        text: "hello".into(),
        body: None,
        content_type: "application/json".into(),
        headers: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = val()?,
            "--kind" => a.kind = val()?,
            "--conns" => a.conns = val()?.parse().map_err(|e| format!("--conns: {e}"))?,
            "--secs" => a.secs = val()?.parse().map_err(|e| format!("--secs: {e}"))?,
            "--warmup" => a.warmup = val()?.parse().map_err(|e| format!("--warmup: {e}"))?,
            "--count" => a.count = Some(val()?.parse().map_err(|e| format!("--count: {e}"))?),
            "--text" => a.text = val()?,
            "--body" => {
                a.body = Some(val()?);
                a.kind = "body".into();
            }
            "--content-type" => a.content_type = val()?,
            "-H" => {
                let h = val()?;
                let (k, v) = h.split_once(':').ok_or(format!("bad header '{h}'"))?;
                a.headers.push((k.trim().into(), v.trim().into()));
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    if a.url.is_empty() || a.conns == 0 || !(0.0..=3600.0).contains(&a.secs) {
        return Err("usage: chatload --url URL [--kind create|add|list] [--conns N] [--secs S | --count N] [--warmup S] [--text T] [--body B [--content-type T]] [-H 'K: V']...".into());
    }
    if !["create", "add", "list", "body"].contains(&a.kind.as_str()) {
        return Err(format!("unknown kind '{}'", a.kind));
    }
    Ok(a)
}

fn input(text: &str) -> Value {
    json!({"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}})
}

/// One request's outcome: time to the first SSE event (None for JSON) and to the end.
struct Sample {
    first: Option<Duration>,
    total: Duration,
}

struct Conn {
    client: reqwest::Client,
    url: String,
    content_type: String,
    headers: reqwest::header::HeaderMap,
}

impl Conn {
    /// Sends `body`; streams are read to the end. Returns the sample and the whole body.
    async fn send(&self, body: &[u8]) -> Result<(Sample, Vec<u8>), String> {
        let start = Instant::now();
        let resp = self
            .client
            .post(&self.url)
            .headers(self.headers.clone())
            .header("content-type", &self.content_type)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let sse = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let mut first = None;
        let mut all = Vec::new();
        let mut chunks = resp.bytes_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| e.to_string())?;
            if sse && first.is_none() && chunk.windows(5).any(|w| w == b"data:") {
                first = Some(start.elapsed());
            }
            all.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&all)));
        }
        if sse && !all.windows(15).any(|w| w == b"\"thread.updated") && first.is_none() {
            return Err("empty stream".into());
        }
        Ok((
            Sample {
                first,
                total: start.elapsed(),
            },
            all,
        ))
    }
}

/// The thread id from a `thread.created` event.
fn created_thread(body: &[u8]) -> Option<String> {
    String::from_utf8_lossy(body)
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str::<Value>(d).ok())
        .find(|v| v["type"] == "thread.created")
        .and_then(|v| v["thread"]["id"].as_str().map(str::to_string))
}

async fn worker(conn: Conn, args: std::sync::Arc<Args>, t0: Instant) -> (Vec<Sample>, u64) {
    let mut samples = Vec::new();
    let mut errors = 0u64;
    let create = json!({"type": "threads.create", "params": {"input": input(&args.text)}});
    let mut add = None;
    if args.kind == "add" {
        match conn
            .send(create.to_string().as_bytes())
            .await
            .map(|(_, b)| created_thread(&b))
        {
            Ok(Some(id)) => {
                add = Some(json!({"type": "threads.add_user_message",
                    "params": {"thread_id": id, "input": input(&args.text)}}))
            }
            _ => return (samples, 1),
        }
    }
    let body = match args.kind.as_str() {
        "create" => create.to_string(),
        "add" => add.expect("set above").to_string(),
        "list" => json!({"type": "threads.list", "params": {"limit": 20}}).to_string(),
        _ => args.body.clone().expect("--body sets the kind"),
    }
    .into_bytes();
    if let Some(n) = args.count {
        for _ in 0..n {
            match conn.send(&body).await {
                Ok((s, _)) => samples.push(s),
                Err(e) => {
                    if errors == 0 {
                        eprintln!("chatload: {e}");
                    }
                    errors += 1;
                }
            }
        }
        return (samples, errors);
    }
    let warm_end = t0 + Duration::from_secs_f64(args.warmup);
    let end = warm_end + Duration::from_secs_f64(args.secs);
    loop {
        let now = Instant::now();
        if now >= end {
            break;
        }
        let r = conn.send(&body).await;
        if Instant::now() > end {
            break;
        }
        match r {
            Ok((s, _)) if now >= warm_end => samples.push(s),
            Ok(_) => {}
            Err(e) => {
                if errors == 0 {
                    eprintln!("chatload: {e}");
                }
                errors += 1;
            }
        }
    }
    (samples, errors)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(a) => std::sync::Arc::new(a),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut headers = reqwest::header::HeaderMap::new();
    for (k, v) in &args.headers {
        headers.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
            v.parse().expect("header value"),
        );
    }
    let t0 = Instant::now();
    let workers: Vec<_> = (0..args.conns)
        .map(|_| {
            // One client each: one keep-alive connection per worker, as a browser tab would.
            let conn = Conn {
                client: reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .tcp_nodelay(true)
                    .build()
                    .expect("client"),
                url: args.url.clone(),
                content_type: args.content_type.clone(),
                headers: headers.clone(),
            };
            tokio::spawn(worker(conn, args.clone(), t0))
        })
        .collect();
    let mut firsts = Vec::new();
    let mut totals = Vec::new();
    let mut errors = 0;
    let started = Instant::now();
    for w in workers {
        let (samples, e) = w.await.expect("worker");
        errors += e;
        for s in samples {
            firsts.extend(s.first);
            totals.push(s.total);
        }
    }
    let secs = match args.count {
        Some(_) => started.elapsed().as_secs_f64(),
        None => args.secs,
    };
    firsts.sort();
    totals.sort();
    let out = json!({
        "kind": args.kind,
        "conns": args.conns,
        "secs": secs,
        "requests": totals.len(),
        "per_sec": totals.len() as f64 / secs,
        "errors": errors,
        "first_p50_ms": pct(&firsts, 0.5),
        "first_p99_ms": pct(&firsts, 0.99),
        "total_p50_ms": pct(&totals, 0.5),
        "total_p99_ms": pct(&totals, 0.99),
    });
    println!("{out}");
}
