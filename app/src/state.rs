//! Everything a request handler needs, built once at start-up and shared by the axum routes
//! and the server functions (which reach it with `expect_context::<AppState>()`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use leptos::config::LeptosOptions;

use crate::agent::openai::{LlmSettings, OpenAiCompatible};
use crate::agent::task_assistant::TaskAssistant;
use crate::agent::transcribe::{TranscribeSettings, Transcriber};
use crate::agent::{offline::OfflineAssistant, Agent, Model};
use crate::attachments::DiskAttachments;
use crate::auth::token::TokenKeys;
use crate::chatkit::server::EngineLimits;
use crate::chatkit::{ChatKitServer, Responder};
use crate::metrics::MetricsAccess;
use crate::rate_limit::{Bucket, Limiter, Rate, Rates};
use crate::store::Db;

/// Settings read from the environment (see README); every one has a working default.
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub jwt_secret: Vec<u8>,
    pub jwt_issuer: Option<String>,
    pub jwt_audience: Option<String>,
    pub session_ttl_secs: i64,
    pub max_message_chars: usize,
    /// The OpenAI-compatible model, when `LLM_BASE_URL` is set; else the offline assistant.
    pub llm: Option<LlmSettings>,
    /// Longest wait for one model turn (`LLM_TIMEOUT_SECS`).
    pub llm_timeout: Duration,
    /// Chat turns per user per `rate_limit_window_secs` (tests shorten the window).
    pub rate_limit_per_minute: u32,
    pub rate_limit_window_secs: u64,
    /// Speech input for `input.transcribe`, when `TRANSCRIBE_BASE_URL` is set.
    pub transcription: Option<TranscribeSettings>,
    /// Largest attachment accepted (`MAX_ATTACHMENT_BYTES`); bytes live under `data_dir`.
    pub max_attachment_bytes: u64,
    /// `PUBLIC_URL`: the origin clients reach us at, for absolute attachment URLs; unset, the
    /// request's `Host` (and `X-Forwarded-Proto`) decide.
    pub public_url: Option<String>,
    /// The other per-user limits (see README); chat turns use the two fields above.
    pub limits: Limits,
    /// Who may read `/metrics` (`METRICS`: off, loopback, bearer:<token>).
    pub metrics: MetricsAccess,
    /// On PostgreSQL, how long an instance may go without a heartbeat before the others take
    /// its turns for lost (`RUN_LEASE_SECS`). A process that dies is seen at once (its
    /// database connection closes); the lease covers a hung host or a partition.
    pub run_lease: Duration,
}

/// Per-user allowances besides chat turns, each "N per window" refilled evenly, and caps.
#[derive(Clone, Debug)]
pub struct Limits {
    pub transcriptions_per_minute: u32,
    pub attachments_per_minute: u32,
    pub feedback_per_minute: u32,
    pub mcp_requests_per_minute: u32,
    pub task_writes_per_minute: u32,
    /// The window of the per-minute allowances (tests shorten it).
    pub window_secs: u64,
    /// Failed sign-ins per account and per client address per `sign_in_window_secs`.
    pub sign_in_failures_per_account: u32,
    pub sign_in_failures_per_address: u32,
    pub sign_in_window_secs: u64,
    /// Open `/api/tasks/events` connections per user.
    pub task_feeds_per_user: usize,
    /// Attachment bytes one user may keep (uploaded plus being uploaded).
    pub attachment_bytes_per_user: u64,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a proxy).
    pub trust_forwarded_for: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            transcriptions_per_minute: 10,
            attachments_per_minute: 30,
            feedback_per_minute: 30,
            mcp_requests_per_minute: 120,
            task_writes_per_minute: 60,
            window_secs: 60,
            sign_in_failures_per_account: 5,
            sign_in_failures_per_address: 20,
            sign_in_window_secs: 300,
            task_feeds_per_user: 10,
            attachment_bytes_per_user: 200 * 1024 * 1024,
            trust_forwarded_for: false,
        }
    }
}

impl Limits {
    fn from_env(env: impl Fn(&str) -> Option<String>) -> Limits {
        let d = Limits::default();
        let n = |k: &str, default: u32| {
            env(k)
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(default)
        };
        Limits {
            transcriptions_per_minute: n("TRANSCRIBE_PER_MINUTE", d.transcriptions_per_minute),
            attachments_per_minute: n("ATTACHMENTS_PER_MINUTE", d.attachments_per_minute),
            feedback_per_minute: n("FEEDBACK_PER_MINUTE", d.feedback_per_minute),
            mcp_requests_per_minute: n("MCP_REQUESTS_PER_MINUTE", d.mcp_requests_per_minute),
            task_writes_per_minute: n("TASK_WRITES_PER_MINUTE", d.task_writes_per_minute),
            window_secs: d.window_secs,
            sign_in_failures_per_account: n(
                "SIGNIN_FAILURES_PER_ACCOUNT",
                d.sign_in_failures_per_account,
            ),
            sign_in_failures_per_address: n(
                "SIGNIN_FAILURES_PER_ADDRESS",
                d.sign_in_failures_per_address,
            ),
            sign_in_window_secs: d.sign_in_window_secs,
            task_feeds_per_user: n("TASK_FEEDS_PER_USER", d.task_feeds_per_user as u32) as usize,
            attachment_bytes_per_user: env("MAX_ATTACHMENT_BYTES_PER_USER")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(d.attachment_bytes_per_user),
            trust_forwarded_for: env("TRUST_FORWARDED_FOR")
                .is_some_and(|v| v == "1" || v == "true"),
        }
    }
}

impl Config {
    /// Reads the environment; creates `data/` and a JWT secret in it on first run. The error
    /// is a sentence for the operator.
    pub fn from_env() -> Result<Config, String> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let data_dir = PathBuf::from(env("TODOKIT_DATA_DIR").unwrap_or_else(|| "data".into()));
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            format!(
                "cannot create the data directory {}: {e}",
                data_dir.display()
            )
        })?;
        let database_url = env("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("todokit.db").display()));
        let jwt_secret = match env("JWT_SECRET") {
            Some(s) => strong_secret(s)?,
            None => secret_file(&data_dir.join("jwt_secret"))
                .map_err(|e| format!("cannot write the JWT secret file: {e}"))?,
        };
        Ok(Config {
            data_dir,
            database_url,
            jwt_secret,
            jwt_issuer: env("JWT_ISSUER"),
            jwt_audience: env("JWT_AUDIENCE"),
            session_ttl_secs: env("SESSION_TTL_SECS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(7 * 24 * 3600),
            max_message_chars: env("MAX_MESSAGE_CHARS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(16_000),
            llm: env("LLM_BASE_URL").map(|base_url| LlmSettings {
                base_url,
                api_key: env("LLM_API_KEY"),
                model: env("LLM_MODEL").unwrap_or_else(|| "gpt-4o-mini".into()),
            }),
            llm_timeout: env("LLM_TIMEOUT_SECS")
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s > 0.0)
                .map(Duration::from_secs_f64)
                .unwrap_or(Duration::from_secs(30)),
            rate_limit_per_minute: env("RATE_LIMIT_PER_MINUTE")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(20),
            rate_limit_window_secs: 60,
            transcription: env("TRANSCRIBE_BASE_URL").map(|base_url| TranscribeSettings {
                base_url,
                api_key: env("TRANSCRIBE_API_KEY").or_else(|| env("LLM_API_KEY")),
                model: env("TRANSCRIBE_MODEL").unwrap_or_else(|| "whisper-1".into()),
                timeout: Duration::from_secs(60),
            }),
            max_attachment_bytes: env("MAX_ATTACHMENT_BYTES")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(10 * 1024 * 1024),
            public_url: env("PUBLIC_URL").map(|u| u.trim_end_matches('/').to_string()),
            limits: Limits::from_env(env),
            metrics: MetricsAccess::parse(env("METRICS").as_deref())?,
            run_lease: run_lease(env("RUN_LEASE_SECS").as_deref())?,
        })
    }
}

/// `RUN_LEASE_SECS`: 15 s unless set; 0.3 to 3600 s.
fn run_lease(v: Option<&str>) -> Result<Duration, String> {
    let Some(v) = v else {
        return Ok(Duration::from_secs(15));
    };
    match v.trim().parse::<f64>() {
        Ok(s) if (0.3..=3600.0).contains(&s) => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "RUN_LEASE_SECS is {v:?}; it must be a number of seconds from 0.3 to 3600"
        )),
    }
}

/// Shortest `JWT_SECRET` accepted: HS256 keys shorter than its 32-byte hash can be guessed
/// offline from any one token.
pub const MIN_SECRET_BYTES: usize = 32;

fn strong_secret(secret: String) -> Result<Vec<u8>, String> {
    match secret.len() {
        n if n < MIN_SECRET_BYTES => Err(format!(
            "JWT_SECRET is {n} bytes; it must be at least {MIN_SECRET_BYTES} \
             (e.g. `openssl rand -hex 32`), or leave it unset to generate one"
        )),
        _ => Ok(secret.into_bytes()),
    }
}

/// The generated secret is 64 random hex characters, readable only by its owner.
fn secret_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    if let Ok(s) = std::fs::read_to_string(path) {
        if !s.trim().is_empty() {
            return Ok(s.trim().as_bytes().to_vec());
        }
    }
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    std::fs::write(path, &secret)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(secret.into_bytes())
}

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub db: Db,
    pub keys: TokenKeys,
    pub agent: Arc<Agent>,
    pub chatkit: ChatKitServer,
    pub attachments: DiskAttachments,
    /// Every per-user and per-address allowance (chat turns, sign-ins, uploads…).
    pub limiter: Limiter,
}

impl AppState {
    pub async fn new(config: Config, leptos_options: LeptosOptions) -> Result<AppState, String> {
        let db = Db::connect(&config.database_url)
            .await
            .map_err(|e| e.to_string())?;
        let model: Arc<dyn Model> = match &config.llm {
            Some(settings) => Arc::new(OpenAiCompatible::new(settings.clone())),
            None => Arc::new(OfflineAssistant),
        };
        let state = Self::with_model(config, leptos_options, db, model);
        // TODOKIT_RESPONDER=scripted swaps the assistant for the conformance fixture
        // (conformance/run.sh); never set it in production.
        if std::env::var("TODOKIT_RESPONDER").as_deref() == Ok("scripted") {
            tracing::warn!("TODOKIT_RESPONDER=scripted: conformance fixture, not the assistant");
            return Ok(state.with_responder(Arc::new(crate::chatkit::scripted::ScriptedResponder)));
        }
        Ok(state)
    }

    /// The same state with another `Responder` behind `/api/chatkit` (conformance, tests).
    pub fn with_responder(mut self, responder: Arc<dyn Responder>) -> AppState {
        self.chatkit = engine(&self.config, &self.db, &self.attachments, responder);
        self
    }

    /// Assembles the state around an open database and a chosen model (tests use this).
    pub fn with_model(
        config: Config,
        leptos_options: LeptosOptions,
        db: Db,
        model: Arc<dyn Model>,
    ) -> AppState {
        let mut agent = Agent::new(model, TaskAssistant::new(db.clone()));
        agent.turn_timeout = config.llm_timeout;
        agent.transcriber = config.transcription.clone().map(Transcriber::new);
        Self::with_agent(config, leptos_options, db, agent)
    }

    /// Assembles the state around a ready agent (tests use this for guardrails and limits).
    pub fn with_agent(
        config: Config,
        leptos_options: LeptosOptions,
        db: Db,
        agent: Agent,
    ) -> AppState {
        let keys = TokenKeys::new(
            &config.jwt_secret,
            config.jwt_issuer.clone(),
            config.jwt_audience.clone(),
        );
        let agent = Arc::new(agent);
        let attachments = DiskAttachments::new(&config.data_dir, config.max_attachment_bytes);
        let chatkit = engine(&config, &db, &attachments, agent.clone());
        let limiter = Limiter::sharing(rates(&config), &db);
        AppState {
            leptos_options,
            config: Arc::new(config),
            db,
            keys,
            agent,
            chatkit,
            attachments,
            limiter,
        }
    }
}

/// The limiter's allowances from the configuration.
fn rates(config: &Config) -> Rates {
    let l = &config.limits;
    let window = Duration::from_secs(l.window_secs);
    let sign_in = Duration::from_secs(l.sign_in_window_secs);
    let chat = Duration::from_secs(config.rate_limit_window_secs);
    Rates {
        rates: [
            (
                Bucket::ChatTurns,
                Rate::new(config.rate_limit_per_minute, chat),
            ),
            (
                Bucket::Transcriptions,
                Rate::new(l.transcriptions_per_minute, window),
            ),
            (
                Bucket::Attachments,
                Rate::new(l.attachments_per_minute, window),
            ),
            (Bucket::Feedback, Rate::new(l.feedback_per_minute, window)),
            (Bucket::Mcp, Rate::new(l.mcp_requests_per_minute, window)),
            (
                Bucket::TaskWrites,
                Rate::new(l.task_writes_per_minute, window),
            ),
            (
                Bucket::SignInAccount,
                Rate::new(l.sign_in_failures_per_account, sign_in),
            ),
            (
                Bucket::SignInAddress,
                Rate::new(l.sign_in_failures_per_address, sign_in),
            ),
        ]
        .into_iter()
        .collect(),
        max_feeds_per_user: l.task_feeds_per_user,
    }
}

/// The ChatKit engine over the database and attachment files, answering with `responder`.
fn engine(
    config: &Config,
    db: &Db,
    attachments: &DiskAttachments,
    responder: Arc<dyn Responder>,
) -> ChatKitServer {
    let limits = EngineLimits {
        max_message_chars: config.max_message_chars,
        ..Default::default()
    };
    let server = ChatKitServer::new(Arc::new(db.clone()), responder)
        .with_limits(limits)
        .with_attachments(Arc::new(attachments.clone()));
    match db.run_board(config.run_lease) {
        Some(board) => server.with_run_board(board),
        None => server,
    }
}

/// Attachments nobody sent within this long are deleted (bytes and record).
pub const UNSENT_ATTACHMENT_TTL: Duration = Duration::from_secs(24 * 3600);

impl AppState {
    /// Deletes the attachments created before `cutoff` that no message took (a chip removed
    /// by closing the tab, an upload abandoned), bytes first: everyone's (the hourly sweep) or
    /// one user's. Returns how many went.
    pub async fn sweep_unsent_attachments(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
        user_id: Option<&str>,
    ) -> Result<usize, crate::chatkit::ChatKitError> {
        use crate::chatkit::{AttachmentStore, ThreadStore};
        let unsent = self.db.unsent_attachments(cutoff, user_id).await?;
        for (user_id, id) in &unsent {
            self.attachments.delete_attachment(user_id, id).await?;
            match self.db.delete_attachment(user_id, id).await {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(unsent.len())
    }
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
