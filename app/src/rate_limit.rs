//! The one limiter: per-user (or per-address) allowances in named buckets, each refilled evenly
//! (GCRA), plus a cap on a user's open task feeds. Spent is a `Limited` with the wait.
//! On PostgreSQL the allowances are counted in the database, so instances sharing it share
//! them; if the database cannot answer, each instance counts on its own meanwhile. The feed
//! cap is per instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::metrics::METRICS;
use crate::store::Db;

/// What is being counted; each bucket has its own allowance per key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Requests that start a chat turn.
    ChatTurns,
    /// `input.transcribe`.
    Transcriptions,
    /// `attachments.create` and uploads.
    Attachments,
    /// `items.feedback`.
    Feedback,
    /// Requests to `/mcp` (tool calls and the protocol around them).
    Mcp,
    /// Server functions that write tasks.
    TaskWrites,
    /// Failed sign-ins, per account (keyed by email).
    SignInAccount,
    /// Failed sign-ins, per client address.
    SignInAddress,
}

impl Bucket {
    const ALL: [Bucket; 8] = [
        Bucket::ChatTurns,
        Bucket::Transcriptions,
        Bucket::Attachments,
        Bucket::Feedback,
        Bucket::Mcp,
        Bucket::TaskWrites,
        Bucket::SignInAccount,
        Bucket::SignInAddress,
    ];

    /// The bucket's name in metrics (`todokit_rate_limit_refusals_total{bucket}`).
    pub fn label(self) -> &'static str {
        match self {
            Bucket::ChatTurns => "chat_turns",
            Bucket::Transcriptions => "transcriptions",
            Bucket::Attachments => "attachments",
            Bucket::Feedback => "feedback",
            Bucket::Mcp => "mcp",
            Bucket::TaskWrites => "task_writes",
            Bucket::SignInAccount => "sign_in_account",
            Bucket::SignInAddress => "sign_in_address",
        }
    }

    /// What the person did too often, for the message.
    fn what(self) -> &'static str {
        match self {
            Bucket::ChatTurns => "messages",
            Bucket::Transcriptions => "voice messages",
            Bucket::Attachments => "attachments",
            Bucket::Feedback => "feedback",
            Bucket::Mcp => "MCP requests",
            Bucket::TaskWrites => "task changes",
            Bucket::SignInAccount | Bucket::SignInAddress => "failed sign-ins",
        }
    }
}

/// `count` per `window`, the whole allowance usable at once, refilled evenly over the window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub count: u32,
    pub window: Duration,
}

impl Rate {
    pub fn new(count: u32, window: Duration) -> Rate {
        Rate {
            count: count.max(1),
            window,
        }
    }

    /// Time for one unit to come back.
    fn interval(self) -> Duration {
        self.window / self.count
    }

    /// How far ahead of now a key's arrival time may run: the burst less one.
    fn tolerance(self) -> Duration {
        self.interval() * (self.count - 1)
    }
}

/// The allowances of every bucket and the feed cap (from `Config`).
#[derive(Clone, Debug)]
pub struct Rates {
    pub rates: HashMap<Bucket, Rate>,
    /// Open `/api/tasks/events` connections per user.
    pub max_feeds_per_user: usize,
}

/// A refusal: the message for the person and the whole seconds until a retry can succeed.
#[derive(Clone, Debug, PartialEq)]
pub struct Limited {
    pub message: String,
    pub retry_after_secs: u64,
}

#[derive(Clone)]
pub struct Limiter {
    inner: Arc<Inner>,
}

struct Inner {
    rates: HashMap<Bucket, Rate>,
    /// Per (bucket, key): the theoretical arrival time of GCRA. A key whose time has passed
    /// has its whole allowance back, the same as no entry, so pruning drops it.
    arrivals: Mutex<HashMap<(Bucket, String), Instant>>,
    last_prune: Mutex<Instant>,
    max_feeds: usize,
    feeds: Mutex<HashMap<String, usize>>,
    /// The database the allowances are shared in (PostgreSQL), if any.
    shared: Option<Db>,
    /// Until when the shared state is not asked (it just failed): counted here meanwhile,
    /// without each request first waiting for the database to time out.
    shared_down_until: Mutex<Option<Instant>>,
}

/// How long the limiter counts alone after the shared state failed to answer.
const SHARED_RETRY: Duration = Duration::from_secs(5);

/// How often a check also prunes the map of keys back at full allowance.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

impl Limiter {
    /// Allowances counted in this process.
    pub fn new(rates: Rates) -> Limiter {
        Self::build(rates, None)
    }

    /// Allowances counted in `db` when it is shared by instances (PostgreSQL), else here.
    pub fn sharing(rates: Rates, db: &Db) -> Limiter {
        Self::build(rates, db.shares_limits().then(|| db.clone()))
    }

    /// The same allowances, counted in this process only, from zero.
    pub fn unshared(&self) -> Limiter {
        Self::build(
            Rates {
                rates: self.inner.rates.clone(),
                max_feeds_per_user: self.inner.max_feeds,
            },
            None,
        )
    }

    fn build(rates: Rates, shared: Option<Db>) -> Limiter {
        for b in Bucket::ALL {
            assert!(rates.rates.contains_key(&b), "no rate for {b:?}");
        }
        Limiter {
            inner: Arc::new(Inner {
                rates: rates.rates,
                arrivals: Mutex::new(HashMap::new()),
                last_prune: Mutex::new(Instant::now()),
                max_feeds: rates.max_feeds_per_user.max(1),
                feeds: Mutex::new(HashMap::new()),
                shared,
                shared_down_until: Mutex::new(None),
            }),
        }
    }

    /// Counts one use of `bucket` by `key`; refused once the allowance is spent.
    pub async fn check(&self, bucket: Bucket, key: &str) -> Result<(), Limited> {
        self.prune_now_and_then(Instant::now());
        if let Some(db) = self.shared() {
            match self.shared_wait(db, bucket, key).await {
                Ok(None) => return Ok(()),
                Ok(Some(wait)) => return Err(self.refusal(bucket, wait)),
                Err(e) => self.shared_failed(e),
            }
        }
        match self.local_wait(bucket, key) {
            None => Ok(()),
            Some(wait) => Err(self.refusal(bucket, wait)),
        }
    }

    /// The shared state, unless it failed within the last [`SHARED_RETRY`].
    fn shared(&self) -> Option<&Db> {
        let db = self.inner.shared.as_ref()?;
        let down = self.inner.shared_down_until.lock().expect("limiter lock");
        match *down {
            Some(until) if Instant::now() < until => None,
            _ => Some(db),
        }
    }

    fn shared_failed(&self, e: crate::store::StoreError) {
        tracing::warn!(
            "shared rate limits unreadable ({e}); counting on this instance for {} s",
            SHARED_RETRY.as_secs()
        );
        *self.inner.shared_down_until.lock().expect("limiter lock") =
            Some(Instant::now() + SHARED_RETRY);
    }

    /// One use of `bucket` by `key` in the database: `None` admitted, else the wait.
    async fn shared_wait(
        &self,
        db: &Db,
        bucket: Bucket,
        key: &str,
    ) -> Result<Option<Duration>, crate::store::StoreError> {
        let rate = self.inner.rates[&bucket];
        let wait = db
            .gcra_admit(
                &shared_bucket(bucket, rate),
                key,
                unix_micros(),
                micros(rate.interval()),
                micros(rate.tolerance()),
            )
            .await?;
        Ok(wait.map(|us| Duration::from_micros(us.max(0) as u64)))
    }

    /// One use of `bucket` by `key` in this process: `None` admitted, else the wait.
    fn local_wait(&self, bucket: Bucket, key: &str) -> Option<Duration> {
        let rate = self.inner.rates[&bucket];
        let now = Instant::now();
        let mut arrivals = self.inner.arrivals.lock().expect("limiter lock");
        let entry = (bucket, key.to_string());
        let tat = arrivals.get(&entry).copied().unwrap_or(now).max(now);
        let allowed_from = tat.checked_sub(rate.tolerance()).unwrap_or(now);
        if allowed_from > now {
            return Some(allowed_from - now);
        }
        arrivals.insert(entry, tat + rate.interval());
        None
    }

    fn refusal(&self, bucket: Bucket, wait: Duration) -> Limited {
        let rate = self.inner.rates[&bucket];
        let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        METRICS.rate_limit_refusals.inc(bucket.label());
        Limited {
            message: format!(
                "Too many {} in a short time (at most {} per {}). Please wait {secs} s and try \
                 again.",
                bucket.what(),
                rate.count,
                span(rate.window)
            ),
            retry_after_secs: secs,
        }
    }

    /// Gives back one use counted by [`Limiter::check`] (a sign-in that succeeded: only
    /// failures count, but each attempt holds its unit while it runs).
    pub async fn refund(&self, bucket: Bucket, key: &str) {
        let interval = self.inner.rates[&bucket].interval();
        if let Some(db) = self.shared() {
            let rate = self.inner.rates[&bucket];
            let name = shared_bucket(bucket, rate);
            match db
                .gcra_refund(&name, key, unix_micros(), micros(interval))
                .await
            {
                Ok(()) => return,
                Err(e) => self.shared_failed(e),
            }
        }
        let now = Instant::now();
        let mut arrivals = self.inner.arrivals.lock().expect("limiter lock");
        let entry = (bucket, key.to_string());
        if let Some(tat) = arrivals.get_mut(&entry) {
            match tat.checked_sub(interval).filter(|t| *t > now) {
                Some(earlier) => *tat = earlier,
                None => drop(arrivals.remove(&entry)),
            }
        }
    }

    fn prune_now_and_then(&self, now: Instant) {
        let mut last = self.inner.last_prune.lock().expect("limiter lock");
        if now.duration_since(*last) >= PRUNE_EVERY {
            *last = now;
            drop(last);
            self.prune();
            if let Some(db) = self.inner.shared.clone() {
                tokio::spawn(async move {
                    if let Err(e) = db.gcra_prune(unix_micros()).await {
                        tracing::warn!("shared rate limits not pruned: {e}");
                    }
                });
            }
        }
    }

    /// Forgets every key whose allowance is whole again (done on its own every minute).
    pub fn prune(&self) {
        let now = Instant::now();
        let mut arrivals = self.inner.arrivals.lock().expect("limiter lock");
        arrivals.retain(|_, tat| *tat > now);
        arrivals.shrink_to_fit();
    }

    /// How many keys the limiter remembers (tests: the map shrinks back).
    pub fn len(&self) -> usize {
        self.inner.arrivals.lock().expect("limiter lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Holds one of `user_id`'s task feed slots until the returned guard drops; refused when
    /// all are open.
    pub fn open_feed(&self, user_id: &str) -> Result<FeedSlot, Limited> {
        let mut feeds = self.inner.feeds.lock().expect("limiter lock");
        let open = feeds.entry(user_id.to_string()).or_insert(0);
        if *open >= self.inner.max_feeds {
            METRICS.rate_limit_refusals.inc("task_feeds");
            return Err(Limited {
                message: format!(
                    "You have {} live task feeds open (close a tab or two); try again later.",
                    self.inner.max_feeds
                ),
                retry_after_secs: 30,
            });
        }
        *open += 1;
        Ok(FeedSlot {
            limiter: self.clone(),
            user_id: user_id.to_string(),
        })
    }

    /// Open feeds per user (tests: a closed feed gives its slot back).
    pub fn open_feeds(&self, user_id: &str) -> usize {
        let feeds = self.inner.feeds.lock().expect("limiter lock");
        feeds.get(user_id).copied().unwrap_or(0)
    }
}

/// One open task feed; dropping it (the connection closed) frees the slot.
pub struct FeedSlot {
    limiter: Limiter,
    user_id: String,
}

impl Drop for FeedSlot {
    fn drop(&mut self) {
        let mut feeds = self.limiter.inner.feeds.lock().expect("limiter lock");
        if let Some(n) = feeds.get_mut(&self.user_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                feeds.remove(&self.user_id);
            }
        }
    }
}

/// A bucket's name in the shared table, with its rate: instances configured differently
/// (during a rolling change, say) each keep their own allowance rather than mix two.
fn shared_bucket(bucket: Bucket, rate: Rate) -> String {
    format!(
        "{}/{}per{}ms",
        bucket.label(),
        rate.count,
        rate.window.as_millis()
    )
}

fn unix_micros() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    micros(since)
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn span(window: Duration) -> String {
    match window.as_secs() {
        60 => "minute".into(),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bucket_has_a_metrics_label() {
        for b in Bucket::ALL {
            // Panics (debug builds) for a label the metrics family does not list.
            METRICS.rate_limit_refusals.inc(b.label());
            assert!(METRICS.rate_limit_refusals.get(b.label()) > 0, "{b:?}");
        }
    }

    fn limiter(count: u32, window: Duration) -> Limiter {
        Limiter::new(Rates {
            rates: Bucket::ALL
                .into_iter()
                .map(|b| (b, Rate::new(count, window)))
                .collect(),
            max_feeds_per_user: 2,
        })
    }

    #[tokio::test]
    async fn a_burst_is_allowed_then_refused_with_the_wait_and_buckets_are_separate() {
        let l = limiter(3, Duration::from_secs(60));
        for _ in 0..3 {
            l.check(Bucket::Feedback, "u1").await.unwrap();
        }
        let e = l.check(Bucket::Feedback, "u1").await.unwrap_err();
        assert_eq!(e.retry_after_secs, 20);
        assert!(e.message.contains("feedback"), "{}", e.message);
        assert!(e.message.contains("at most 3 per minute"), "{}", e.message);
        l.check(Bucket::Feedback, "u2").await.unwrap();
        l.check(Bucket::Mcp, "u1").await.unwrap();
    }

    #[tokio::test]
    async fn a_refund_gives_the_unit_back() {
        let l = limiter(2, Duration::from_secs(60));
        for _ in 0..10 {
            l.check(Bucket::SignInAccount, "a@b.c").await.unwrap();
            l.refund(Bucket::SignInAccount, "a@b.c").await;
        }
        assert!(l.is_empty());
        l.check(Bucket::SignInAccount, "a@b.c").await.unwrap();
        l.check(Bucket::SignInAccount, "a@b.c").await.unwrap();
        assert!(l.check(Bucket::SignInAccount, "a@b.c").await.is_err());
    }

    #[tokio::test]
    async fn keys_back_at_full_allowance_are_forgotten() {
        let l = limiter(2, Duration::from_millis(100));
        for i in 0..1000 {
            l.check(Bucket::Mcp, &format!("user-{i}")).await.unwrap();
        }
        assert_eq!(l.len(), 1000);
        l.prune();
        assert_eq!(l.len(), 1000, "every key is still refilling");
        std::thread::sleep(Duration::from_millis(120));
        l.prune();
        assert_eq!(l.len(), 0);
    }

    #[test]
    fn feed_slots_are_capped_and_given_back() {
        let l = limiter(1, Duration::from_secs(60));
        let a = l.open_feed("u1").unwrap();
        let _b = l.open_feed("u1").unwrap();
        assert!(l.open_feed("u1").is_err());
        let _other = l.open_feed("u2").unwrap();
        drop(a);
        assert_eq!(l.open_feeds("u1"), 1);
        let _c = l.open_feed("u1").unwrap();
    }
}
