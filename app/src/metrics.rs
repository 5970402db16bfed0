//! The process's metrics, kept in atomics and written out in the Prometheus text format by
//! `GET /metrics` (server). Recording is one relaxed atomic add (a histogram: two, plus a scan
//! of a dozen bounds): no lock, no allocation. Every label value comes from our own code (an
//! outcome, a bucket, a tool name from our tool list), never from a request, so each family
//! has a fixed, small number of series.
//!
//! One registry per process (like Prometheus clients' default registry): the engine, the agent
//! and the limiter record without being handed anything.

use std::fmt::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A monotonic count.
pub struct Counter(AtomicU64);

impl Counter {
    pub const fn new() -> Counter {
        Counter(AtomicU64::new(0))
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

impl Default for Counter {
    fn default() -> Self {
        Counter::new()
    }
}

/// A value that goes up and down.
pub struct Gauge(AtomicI64);

impl Gauge {
    pub const fn new() -> Gauge {
        Gauge(AtomicI64::new(0))
    }

    pub fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    pub fn dec(&self) {
        self.0.fetch_sub(1, Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }

    /// Up by one until the returned guard drops.
    pub fn hold(&'static self) -> GaugeHold {
        self.inc();
        GaugeHold(self)
    }
}

impl Default for Gauge {
    fn default() -> Self {
        Gauge::new()
    }
}

/// One unit of a [`Gauge`], given back on drop (however its holder ends).
pub struct GaugeHold(&'static Gauge);

impl Drop for GaugeHold {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Counts per bucket (not cumulative; the last bound is +Inf, so the total is the count) and
/// the sum in microseconds.
pub struct Histogram<const N: usize> {
    /// Upper bounds in seconds, ascending, the last one `f64::INFINITY`.
    bounds: [f64; N],
    buckets: [AtomicU64; N],
    sum_micros: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    pub const fn new(bounds: [f64; N]) -> Self {
        Histogram {
            bounds,
            buckets: [const { AtomicU64::new(0) }; N],
            sum_micros: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = self.bounds.iter().position(|b| secs <= *b).unwrap_or(N - 1);
        self.buckets[i].fetch_add(1, Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Relaxed);
    }

    /// How many observations so far.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Relaxed)).sum()
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        header(out, name, help, "histogram");
        let mut cumulative = 0;
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            cumulative += bucket.load(Relaxed);
            let le = match bound.is_finite() {
                true => bound.to_string(),
                false => "+Inf".to_string(),
            };
            let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
        }
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {cumulative}");
    }
}

/// A counter per value of one label, the values fixed in the code.
pub struct Family<const N: usize> {
    label: &'static str,
    values: [&'static str; N],
    counters: [Counter; N],
}

impl<const N: usize> Family<N> {
    pub const fn new(label: &'static str, values: [&'static str; N]) -> Self {
        Family {
            label,
            values,
            counters: [const { Counter::new() }; N],
        }
    }

    /// One more for `value`, which must be one of the family's (else nothing is counted: a
    /// label outside the list would be a bug, caught by the tests in debug builds).
    pub fn inc(&self, value: &str) {
        match self.values.iter().position(|v| *v == value) {
            Some(i) => self.counters[i].inc(),
            None if cfg!(debug_assertions) => panic!("{value:?} is not a {} value", self.label),
            None => {}
        }
    }

    pub fn get(&self, value: &str) -> u64 {
        self.values
            .iter()
            .position(|v| *v == value)
            .map_or(0, |i| self.counters[i].get())
    }

    fn write(&self, out: &mut String, name: &str, help: &str, kind: &str) {
        header(out, name, help, kind);
        for (value, c) in self.values.iter().zip(&self.counters) {
            let _ = writeln!(out, "{name}{{{}=\"{value}\"}} {}", self.label, c.get());
        }
    }
}

/// A gauge per value of one label, the values fixed in the code.
pub struct GaugeFamily<const N: usize> {
    label: &'static str,
    values: [&'static str; N],
    gauges: [Gauge; N],
}

impl<const N: usize> GaugeFamily<N> {
    pub const fn new(label: &'static str, values: [&'static str; N]) -> Self {
        GaugeFamily {
            label,
            values,
            gauges: [const { Gauge::new() }; N],
        }
    }

    /// The gauge of `value` (one of the family's; panics otherwise: a bug in our code).
    pub fn of(&'static self, value: &str) -> &'static Gauge {
        let i = self.values.iter().position(|v| *v == value);
        &self.gauges[i.unwrap_or_else(|| panic!("{value:?} is not a {} value", self.label))]
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        header(out, name, help, "gauge");
        for (value, g) in self.values.iter().zip(&self.gauges) {
            let _ = writeln!(out, "{name}{{{}=\"{value}\"}} {}", self.label, g.get());
        }
    }
}

/// How a tool call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToolOutcome {
    /// The tool ran and answered.
    Ok,
    /// The tool ran and failed (or a handoff named no agent).
    Error,
    /// The plug-in held it (a delete waiting for Confirm).
    Held,
    /// Its arguments were not JSON.
    InvalidArguments,
}

impl ToolOutcome {
    const ALL: [ToolOutcome; 4] = [
        ToolOutcome::Ok,
        ToolOutcome::Error,
        ToolOutcome::Held,
        ToolOutcome::InvalidArguments,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ToolOutcome::Ok => "ok",
            ToolOutcome::Error => "error",
            ToolOutcome::Held => "held",
            ToolOutcome::InvalidArguments => "invalid_arguments",
        }
    }
}

/// Room for this many distinct tool names (ours are a handful; more go to `other`).
const TOOL_SLOTS: usize = 32;

/// The tool name of calls to a tool the agent was not offered (the model made it up).
pub const UNKNOWN_TOOL: &str = "unknown";

/// Tool calls by tool name and outcome. A name is a `&'static str` from our own tool specs,
/// so the set is bounded by our code; its slot is taken on first use (lock-free).
pub struct ToolCalls {
    slots: [ToolSlot; TOOL_SLOTS],
    other: [Counter; 4],
}

struct ToolSlot {
    name: OnceLock<&'static str>,
    outcomes: [Counter; 4],
}

impl ToolCalls {
    const fn new() -> ToolCalls {
        ToolCalls {
            slots: [const {
                ToolSlot {
                    name: OnceLock::new(),
                    outcomes: [const { Counter::new() }; 4],
                }
            }; TOOL_SLOTS],
            other: [const { Counter::new() }; 4],
        }
    }

    /// Lists `tool` (its series read 0 until it is called).
    pub fn register(&self, tool: &'static str) {
        self.counters(tool);
    }

    pub fn record(&self, tool: &'static str, outcome: ToolOutcome) {
        self.counters(tool)[outcome as usize].inc();
    }

    pub fn get(&self, tool: &str, outcome: ToolOutcome) -> u64 {
        self.slots
            .iter()
            .find(|s| s.name.get() == Some(&tool))
            .map_or(0, |s| s.outcomes[outcome as usize].get())
    }

    fn counters(&self, tool: &'static str) -> &[Counter; 4] {
        for slot in &self.slots {
            // An empty slot is claimed; a race for it leaves one name there, checked again.
            let name = *slot.name.get_or_init(|| tool);
            if name == tool {
                return &slot.outcomes;
            }
        }
        &self.other
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        header(out, name, help, "counter");
        let named = self
            .slots
            .iter()
            .map_while(|s| s.name.get().map(|n| (*n, &s.outcomes)));
        for (tool, counters) in named.chain([("other", &self.other)]) {
            for outcome in ToolOutcome::ALL {
                let n = counters[outcome as usize].get();
                if n > 0 || tool != "other" {
                    let o = outcome.label();
                    let _ = writeln!(out, "{name}{{tool=\"{tool}\",outcome=\"{o}\"}} {n}");
                }
            }
        }
    }
}

/// Seconds; the first event of a turn comes within milliseconds unless something waits.
const FIRST_EVENT_BOUNDS: [f64; 12] = [
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    f64::INFINITY,
];

/// Seconds; a turn with a remote model and tools takes seconds.
const TURN_BOUNDS: [f64; 13] = [
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    f64::INFINITY,
];

/// How a turn ended.
pub const TURN_OUTCOMES: [&str; 3] = ["ok", "error", "stopped"];

/// The whole registry.
pub struct Metrics {
    /// Turns ended, by outcome (`ok`, `error`: the stream carried an `error` event, `stopped`).
    pub turns: Family<3>,
    /// From the chat handler's start to the first frame of a turn's stream handed to the
    /// connection.
    pub first_event: Histogram<12>,
    /// A turn from its start (after validation) to its end, however it ends.
    pub turn_duration: Histogram<13>,
    /// Turns running now (a turn goes on when its client leaves).
    pub turns_in_flight: Gauge,
    pub tool_calls: ToolCalls,
    /// Model failures: `unavailable` (no connection, 5xx), `failed` (bad request, key or
    /// answer), `timeout` (the per-turn deadline).
    pub model_errors: Family<3>,
    /// 429s (and refused task feeds), by bucket.
    pub rate_limit_refusals: Family<9>,
    /// Open `text/event-stream` responses: a chat turn's (or resume's), a task feed.
    pub open_streams: GaugeFamily<2>,
}

pub static METRICS: Metrics = Metrics {
    turns: Family::new("outcome", TURN_OUTCOMES),
    first_event: Histogram::new(FIRST_EVENT_BOUNDS),
    turn_duration: Histogram::new(TURN_BOUNDS),
    turns_in_flight: Gauge::new(),
    tool_calls: ToolCalls::new(),
    model_errors: Family::new("kind", ["unavailable", "failed", "timeout"]),
    rate_limit_refusals: Family::new(
        "bucket",
        [
            "chat_turns",
            "transcriptions",
            "attachments",
            "feedback",
            "mcp",
            "task_writes",
            "sign_in_account",
            "sign_in_address",
            "task_feeds",
        ],
    ),
    open_streams: GaugeFamily::new("kind", ["chat", "task_feed"]),
};

/// A turn being timed: in flight until [`Turn::finish`] (or drop, counted as an error: the
/// task went away without finishing, a panic).
pub struct Turn {
    started: Instant,
    done: bool,
}

impl Turn {
    pub fn start() -> Turn {
        METRICS.turns_in_flight.inc();
        Turn {
            started: Instant::now(),
            done: false,
        }
    }

    /// Records the turn's end; returns its duration.
    pub fn finish(mut self, outcome: &'static str) -> Duration {
        self.done = true;
        self.end(outcome)
    }

    fn end(&self, outcome: &'static str) -> Duration {
        let took = self.started.elapsed();
        METRICS.turns_in_flight.dec();
        METRICS.turn_duration.observe(took);
        METRICS.turns.inc(outcome);
        took
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if !self.done {
            self.end("error");
        }
    }
}

/// An open SSE response of a kind (`chat`, `task_feed`); with `first_event_from`, the wait
/// for its first frame is observed once.
pub struct OpenStream {
    _hold: GaugeHold,
    first_event_from: Option<Instant>,
}

impl OpenStream {
    pub fn open(kind: &str, first_event_from: Option<Instant>) -> OpenStream {
        OpenStream {
            _hold: METRICS.open_streams.of(kind).hold(),
            first_event_from,
        }
    }

    /// A frame goes out; the first one is timed.
    pub fn frame(&mut self) {
        if let Some(t) = self.first_event_from.take() {
            METRICS.first_event.observe(t.elapsed());
        }
    }
}

/// The database pool at this moment: connections open, idle, and the most it opens.
#[derive(Clone, Copy, Debug)]
pub struct PoolUse {
    pub size: u32,
    pub idle: usize,
    pub max: u32,
}

impl PoolUse {
    pub fn of(db: &crate::store::Db) -> PoolUse {
        crate::store::on_pool!(db, p => PoolUse {
            size: p.size(),
            idle: p.num_idle(),
            max: p.options().get_max_connections(),
        })
    }
}

/// A duration in milliseconds with a fractional part, for logs.
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Every metric in the Prometheus text exposition format (0.0.4), the pool read now.
pub fn render(pool: PoolUse) -> String {
    let m = &METRICS;
    let mut out = String::with_capacity(4096);
    m.turns.write(
        &mut out,
        "todokit_chat_turns_total",
        "Chat turns ended, by outcome (error: the stream carried an error event).",
        "counter",
    );
    m.first_event.write(
        &mut out,
        "todokit_chat_first_event_seconds",
        "Time from the chat request to the first SSE frame of its turn.",
    );
    m.turn_duration.write(
        &mut out,
        "todokit_chat_turn_duration_seconds",
        "Duration of a chat turn, from its start to its end however it ended.",
    );
    header(
        &mut out,
        "todokit_chat_turns_in_flight",
        "Chat turns running now.",
        "gauge",
    );
    let _ = writeln!(
        out,
        "todokit_chat_turns_in_flight {}",
        m.turns_in_flight.get()
    );
    m.tool_calls.write(
        &mut out,
        "todokit_tool_calls_total",
        "Tool calls made by the agent, by tool and outcome.",
    );
    m.model_errors.write(
        &mut out,
        "todokit_model_errors_total",
        "Model failures, by kind.",
        "counter",
    );
    m.rate_limit_refusals.write(
        &mut out,
        "todokit_rate_limit_refusals_total",
        "Requests refused with 429, by limiter bucket.",
        "counter",
    );
    m.open_streams.write(
        &mut out,
        "todokit_open_streams",
        "Open text/event-stream responses, by kind.",
    );
    for (name, help, value) in [
        (
            "todokit_db_pool_size",
            "Database connections open now.",
            u64::from(pool.size),
        ),
        (
            "todokit_db_pool_idle",
            "Database connections open and idle now.",
            pool.idle as u64,
        ),
        (
            "todokit_db_pool_max",
            "The most database connections the pool opens.",
            u64::from(pool.max),
        ),
    ] {
        header(&mut out, name, help, "gauge");
        let _ = writeln!(out, "{name} {value}");
    }
    out
}

/// Who may read `/metrics` (`METRICS`).
#[derive(Clone, Default, PartialEq, Eq)]
pub enum MetricsAccess {
    /// `off`: `/metrics` is 404.
    Off,
    /// `loopback` (the default): peers on 127.0.0.0/8 or ::1 only, by the TCP peer address
    /// (never `X-Forwarded-For`).
    #[default]
    Loopback,
    /// `bearer:<token>`: whoever sends `Authorization: Bearer <token>`.
    Bearer(String),
}

impl std::fmt::Debug for MetricsAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetricsAccess::Off => f.write_str("Off"),
            MetricsAccess::Loopback => f.write_str("Loopback"),
            // The token stays out of logs.
            MetricsAccess::Bearer(_) => f.write_str("Bearer(…)"),
        }
    }
}

impl MetricsAccess {
    /// Reads `METRICS`; unset is `loopback`. The error is a sentence for the operator.
    pub fn parse(value: Option<&str>) -> Result<MetricsAccess, String> {
        match value.map(str::trim) {
            None | Some("") | Some("loopback") => Ok(MetricsAccess::Loopback),
            Some("off") => Ok(MetricsAccess::Off),
            Some(v) => match v.strip_prefix("bearer:") {
                Some(token) if !token.trim().is_empty() => {
                    Ok(MetricsAccess::Bearer(token.trim().to_string()))
                }
                _ => Err(format!(
                    "METRICS is '{}': use off, loopback or bearer:<token>",
                    v.split(':').next().unwrap_or_default()
                )),
            },
        }
    }

    /// Whether a request may read the metrics: the TCP peer (`None` when unknown) and the
    /// bearer token it sent.
    pub fn allows(&self, peer: Option<IpAddr>, bearer: Option<&str>) -> Access {
        match self {
            MetricsAccess::Off => Access::Hidden,
            MetricsAccess::Loopback => match peer.is_some_and(|ip| ip.to_canonical().is_loopback())
            {
                true => Access::Granted,
                false => Access::Forbidden,
            },
            MetricsAccess::Bearer(token) => match bearer {
                Some(sent) if constant_time_eq(sent.as_bytes(), token.as_bytes()) => {
                    Access::Granted
                }
                _ => Access::Unauthorized,
            },
        }
    }
}

/// What `/metrics` answers a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Granted,
    /// 404: metrics are off.
    Hidden,
    /// 403: not a loopback peer.
    Forbidden,
    /// 401: no or the wrong token.
    Unauthorized,
}

/// Equal bytes, in a time that depends on the lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_count_everything() {
        static H: Histogram<3> = Histogram::new([0.01, 0.1, f64::INFINITY]);
        H.observe(Duration::from_millis(5));
        H.observe(Duration::from_millis(50));
        H.observe(Duration::from_secs(3));
        let mut out = String::new();
        H.write(&mut out, "h", "help");
        assert!(out.contains("h_bucket{le=\"0.01\"} 1\n"), "{out}");
        assert!(out.contains("h_bucket{le=\"0.1\"} 2\n"), "{out}");
        assert!(out.contains("h_bucket{le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("h_count 3\n"), "{out}");
        assert!(out.contains("h_sum 3.055\n"), "{out}");
        assert_eq!(H.count(), 3);
    }

    #[test]
    fn tool_names_take_a_slot_each_and_overflow_into_other() {
        let calls = ToolCalls::new();
        calls.record("add_task", ToolOutcome::Ok);
        calls.record("add_task", ToolOutcome::Ok);
        calls.record("list_tasks", ToolOutcome::Error);
        assert_eq!(calls.get("add_task", ToolOutcome::Ok), 2);
        assert_eq!(calls.get("list_tasks", ToolOutcome::Error), 1);
        assert_eq!(calls.get("list_tasks", ToolOutcome::Ok), 0);
        const NAMES: [&str; 40] = [
            "t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9", "t10", "t11", "t12", "t13",
            "t14", "t15", "t16", "t17", "t18", "t19", "t20", "t21", "t22", "t23", "t24", "t25",
            "t26", "t27", "t28", "t29", "t30", "t31", "t32", "t33", "t34", "t35", "t36", "t37",
            "t38", "t39",
        ];
        for n in NAMES {
            calls.record(n, ToolOutcome::Held);
        }
        let mut out = String::new();
        calls.write(&mut out, "c", "help");
        let series = out.lines().filter(|l| !l.starts_with('#')).count();
        // 32 named tools × 4 outcomes, plus `other`'s one non-zero outcome.
        assert_eq!(series, TOOL_SLOTS * 4 + 1, "{out}");
        assert!(
            out.contains("c{tool=\"other\",outcome=\"held\"} 10\n"),
            "{out}"
        );
    }

    #[test]
    fn families_count_only_their_own_values() {
        let f = Family::new("outcome", ["ok", "error"]);
        f.inc("ok");
        f.inc("ok");
        assert_eq!(f.get("ok"), 2);
        assert_eq!(f.get("error"), 0);
        let mut out = String::new();
        f.write(&mut out, "f_total", "help", "counter");
        assert!(out.contains("# TYPE f_total counter\n"));
        assert!(out.contains("f_total{outcome=\"ok\"} 2\n"));
        assert!(out.contains("f_total{outcome=\"error\"} 0\n"));
    }

    #[test]
    fn access_policy() {
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        let lan: IpAddr = "192.168.1.20".parse().unwrap();
        let public6: IpAddr = "2001:db8::1".parse().unwrap();
        let l = MetricsAccess::Loopback;
        assert_eq!(l.allows(Some(v4), None), Access::Granted);
        assert_eq!(l.allows(Some(v6), None), Access::Granted);
        assert_eq!(l.allows(Some(mapped), None), Access::Granted);
        assert_eq!(l.allows(Some(lan), None), Access::Forbidden);
        assert_eq!(l.allows(Some(public6), None), Access::Forbidden);
        assert_eq!(l.allows(None, None), Access::Forbidden);
        assert_eq!(MetricsAccess::Off.allows(Some(v4), None), Access::Hidden);
        let b = MetricsAccess::Bearer("s3cret-token".into());
        assert_eq!(b.allows(Some(lan), Some("s3cret-token")), Access::Granted);
        assert_eq!(
            b.allows(Some(v4), Some("s3cret-tokeN")),
            Access::Unauthorized
        );
        assert_eq!(b.allows(Some(v4), Some("s3cret")), Access::Unauthorized);
        assert_eq!(b.allows(Some(v4), None), Access::Unauthorized);
    }

    #[test]
    fn access_from_the_environment() {
        assert_eq!(MetricsAccess::parse(None), Ok(MetricsAccess::Loopback));
        assert_eq!(
            MetricsAccess::parse(Some("loopback")),
            Ok(MetricsAccess::Loopback)
        );
        assert_eq!(MetricsAccess::parse(Some("off")), Ok(MetricsAccess::Off));
        assert_eq!(
            MetricsAccess::parse(Some("bearer:abc")),
            Ok(MetricsAccess::Bearer("abc".into()))
        );
        assert!(MetricsAccess::parse(Some("bearer:")).is_err());
        let e = MetricsAccess::parse(Some("open")).unwrap_err();
        assert!(e.contains("off, loopback or bearer:<token>"), "{e}");
        assert!(!format!("{:?}", MetricsAccess::Bearer("abc".into())).contains("abc"));
    }

    #[test]
    fn render_names_every_family() {
        let out = render(PoolUse {
            size: 3,
            idle: 2,
            max: 10,
        });
        for name in [
            "todokit_chat_turns_total{outcome=\"ok\"}",
            "todokit_chat_first_event_seconds_count",
            "todokit_chat_turn_duration_seconds_bucket{le=\"+Inf\"}",
            "todokit_chat_turns_in_flight",
            "# TYPE todokit_tool_calls_total counter",
            "todokit_model_errors_total{kind=\"timeout\"}",
            "todokit_rate_limit_refusals_total{bucket=\"chat_turns\"}",
            "todokit_open_streams{kind=\"chat\"}",
            "todokit_db_pool_size 3\n",
            "todokit_db_pool_idle 2\n",
            "todokit_db_pool_max 10\n",
        ] {
            assert!(out.contains(name), "{name} missing:\n{out}");
        }
    }
}
