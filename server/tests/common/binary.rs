//! The real `todokit` binary as a child process on a loopback port (fault and multi-instance
//! tests): started on a given database with the scripted model (or the offline assistant),
//! killed with SIGKILL, and read from while it streams.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;

use super::llm::ScriptedLlm;
use super::{Reply, SECRET};

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The binary under test: `TODOKIT_BIN` (the release build, in `scripts/test.sh`) or this
/// test build's.
fn binary() -> String {
    std::env::var("TODOKIT_BIN")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_todokit").to_string())
}

pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// The binary on `db_url` with the scripted model as its LLM.
    pub async fn start(dir: &Path, db_url: &str, llm: &ScriptedLlm) -> Server {
        Self::start_with(dir, db_url, Some(llm), &[]).await
    }

    /// The binary on `db_url`, answering with `llm` (or the offline assistant), with extra
    /// environment; returns once it answers its health check.
    pub async fn start_with(
        dir: &Path,
        db_url: &str,
        llm: Option<&ScriptedLlm>,
        env: &[(&str, &str)],
    ) -> Server {
        let port = free_port();
        let log = std::fs::File::create(dir.join(format!("todokit-{port}.log"))).unwrap();
        let mut cmd = Command::new(binary());
        cmd.env("TODOKIT_DATA_DIR", dir)
            .env("DATABASE_URL", db_url)
            .env("JWT_SECRET", SECRET)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("RATE_LIMIT_PER_MINUTE", "100000")
            .env("RUST_LOG", "warn")
            .env_remove("LLM_BASE_URL")
            .env_remove("JWT_ISSUER")
            .env_remove("JWT_AUDIENCE")
            .env_remove("LEPTOS_OUTPUT_NAME")
            .env_remove("TODOKIT_RESPONDER")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        if let Some(llm) = llm {
            cmd.env("LLM_BASE_URL", &llm.url)
                .env("LLM_API_KEY", "test-key")
                .env("LLM_MODEL", "scripted-model");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let server = Server {
            child: cmd.spawn().unwrap(),
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let http = reqwest::Client::new();
        loop {
            let up = http
                .get(server.url("/api/chatkit/health"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if up {
                return server;
            }
            assert!(Instant::now() < deadline, "todokit did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL: no destructor, no graceful shutdown, no flush.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends a signal by name (`STOP`, `CONT`…) to the process.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{name}");
    }

    /// A ChatKit request, answered within `timeout`.
    async fn send(&self, token: &str, body: Value, timeout: Duration) -> reqwest::Response {
        reqwest::Client::new()
            .post(self.url("/api/chatkit"))
            .bearer_auth(token)
            .json(&body)
            .timeout(timeout)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, token: &str, body: Value) -> Reply {
        Reply::read(self.send(token, body, Duration::from_secs(30)).await).await
    }

    /// A request whose answer is read as it streams.
    pub async fn open(&self, token: &str, body: Value) -> Open {
        let res = self.send(token, body, Duration::from_secs(60)).await;
        assert_eq!(res.status(), 200);
        Open {
            res,
            body: String::new(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A streaming answer, read as far as a test needs.
pub struct Open {
    res: reqwest::Response,
    pub body: String,
}

impl Open {
    /// Reads until the body holds `needle` (panics after 20 s or at the end of the stream).
    pub async fn until(&mut self, needle: &str) -> &str {
        let read = tokio::time::timeout(Duration::from_secs(20), async {
            while !self.body.contains(needle) {
                match self.res.chunk().await {
                    Ok(Some(chunk)) => self.body.push_str(std::str::from_utf8(&chunk).unwrap()),
                    _ => panic!("the stream ended before {needle:?}: {}", self.body),
                }
            }
        })
        .await;
        assert!(read.is_ok(), "no {needle:?} within 20 s: {}", self.body);
        &self.body
    }

    /// Reads to the end; the whole body.
    pub async fn rest(mut self) -> String {
        while let Ok(Some(chunk)) = self.res.chunk().await {
            self.body.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        self.body
    }
}

/// The SSE events of a streamed request as far as they arrived (the server may die mid-way).
pub async fn events_until_cut(url: String, token: String, body: Value) -> Vec<Value> {
    let Ok(res) = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .timeout(Duration::from_secs(60))
        .send()
        .await
    else {
        return Vec::new();
    };
    let mut stream = res.bytes_stream();
    let mut buf = Vec::new();
    let mut events = Vec::new();
    while let Some(Ok(chunk)) = stream.next().await {
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let frame = String::from_utf8(buf.drain(..end + 2).collect()).unwrap();
            let data = frame
                .trim_end()
                .strip_prefix("data: ")
                .expect("an SSE frame");
            events.push(serde_json::from_str(data).expect("each frame is whole JSON"));
        }
    }
    events
}
