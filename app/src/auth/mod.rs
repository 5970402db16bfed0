//! Accounts: sign-up, sign-in and sign-out pages with their server functions, the session
//! context every page reads, and (on the server) tokens, passwords and request authentication.

#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod token;

use leptos::prelude::*;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::i18n::{use_i18n, Key};

/// The value of cookie `name` in a request's `Cookie` headers (empty values count as none).
#[cfg(feature = "ssr")]
pub fn request_cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';').find_map(|kv| {
                let (k, val) = kv.trim().split_once('=')?;
                (k == name && !val.is_empty()).then(|| val.to_string())
            })
        })
}

/// A server function's error in the request's language (`{n}` filled in when given), with
/// its status set like `session::fail`.
#[cfg(feature = "ssr")]
fn refusal(key: Key, n: Option<u64>) -> AppError {
    let locale = crate::i18n::request_locale();
    let message = match n {
        Some(n) => locale.fill(key, "{n}", &n.to_string()),
        None => locale.t(key).to_string(),
    };
    let e = match n {
        Some(retry_after_secs) => AppError::RateLimited {
            message,
            retry_after_secs,
        },
        None => AppError::Invalid(message),
    };
    session::fail(e)
}

/// Why `password` is too weak, in the request's language (`password::check_strength` refused it).
#[cfg(feature = "ssr")]
fn weak_password(pw: &str) -> AppError {
    use password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS};
    let n = pw.chars().count();
    let (key, limit) = if n < MIN_PASSWORD_CHARS {
        (Key::ErrPasswordShort, MIN_PASSWORD_CHARS)
    } else if n > MAX_PASSWORD_CHARS {
        (Key::ErrPasswordLong, MAX_PASSWORD_CHARS)
    } else {
        (Key::ErrPasswordEasy, 0)
    };
    let message = crate::i18n::request_locale().fill(key, "{n}", &limit.to_string());
    session::fail(AppError::Invalid(message))
}

/// The signed-in user as pages see it. `api_token` is a short-lived bearer token for the
/// chat API (the session cookie itself is HttpOnly).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user_id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub api_token: String,
}

/// Bearer tokens handed to the page live one hour; the panel asks for a new one on 401.
pub const API_TOKEN_TTL_SECS: i64 = 3600;

/// Pages only a signed-in user may see; the server redirects everyone else to sign in.
pub const PROTECTED_PATHS: &[&str] = &["/tasks"];

/// Whether `path` (no query) is one of [`PROTECTED_PATHS`] or below one.
pub fn is_protected(path: &str) -> bool {
    PROTECTED_PATHS.iter().any(|p| {
        path == *p
            || path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Where to go after signing in: a local path only, so `next` cannot send users elsewhere.
/// Browsers drop tabs and newlines from a URL and read `\` as `/`, so `/\t/evil.example`
/// would land on `//evil.example`: only visible ASCII is accepted, and no second slash.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if is_local_path(n) => n,
        _ => "/",
    }
}

/// An absolute path on this site: `/`, then no `/`; visible ASCII only, no backslash.
fn is_local_path(n: &str) -> bool {
    let visible = n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    visible && n.starts_with('/') && !n.starts_with("//")
}

/// `/signin?next=<path and query>`, percent-encoded.
pub fn sign_in_url(path_and_query: &str) -> String {
    format!("/signin?next={}", crate::url::encode(path_and_query))
}

#[server]
pub async fn get_session() -> Result<Option<Session>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let Some((user, sid)) = session::page_session().await? else {
        return Ok(None);
    };
    // The API token names the session, so it stops working when the session ends.
    let api_token = state.keys.issue_in_session(
        &user.id,
        user.email.as_deref(),
        API_TOKEN_TTL_SECS,
        token::API_TYPE,
        &sid,
    );
    Ok(Some(Session {
        api_token,
        user_id: user.id,
        email: user.email,
        name: user.name,
    }))
}

/// Where sign-up sends everyone, new email or taken: the same answer either way, so the form
/// cannot be used to learn who has an account.
pub const SIGNED_UP_URL: &str = "/signin?signed_up=1";

#[server]
pub async fn sign_up(email: String, password: String, name: String) -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let email =
        session::normalize_email(&email).map_err(|_| refusal(Key::ErrInvalidEmail, None))?;
    password::check_strength(&password).map_err(|_| weak_password(&password))?;
    let name = Some(name.trim())
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(100).collect::<String>());
    // Hashed whether or not the email is taken, so both take the same time.
    let hash = password::bounded(move || password::hash(&password)).await;
    match state.db.create_user(&email, name.as_deref(), &hash).await {
        Ok(_) | Err(crate::store::StoreError::Conflict(_)) => {}
        Err(e) => return Err(session::fail(e)),
    }
    leptos_axum::redirect(SIGNED_UP_URL);
    Ok(())
}

#[server]
pub async fn sign_in(
    email: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<(), AppError> {
    use crate::rate_limit::Bucket;
    let state = expect_context::<crate::state::AppState>();
    let email = email.trim().to_lowercase();
    if email.is_empty() || password.is_empty() {
        return Err(refusal(Key::ErrEnterEmailPassword, None));
    }
    // Every attempt holds a unit of both allowances while it runs; a success gives them back,
    // so only failures count, and parallel guesses cannot slip past the limit.
    let address = session::client_address(&state);
    state
        .limiter
        .check(Bucket::SignInAccount, &email)
        .await
        .map_err(|l| refusal(Key::ErrSignInsAccount, Some(l.retry_after_secs)))?;
    if let Err(l) = state.limiter.check(Bucket::SignInAddress, &address).await {
        state.limiter.refund(Bucket::SignInAccount, &email).await;
        return Err(refusal(Key::ErrSignInsNetwork, Some(l.retry_after_secs)));
    }
    let found = state.db.user_by_email(&email).await;
    let (user, hash) = match found {
        Ok(Some((u, Some(h)))) => (Some(u), Some(h)),
        Ok(_) => (None, None),
        Err(e) => {
            state.limiter.refund(Bucket::SignInAccount, &email).await;
            state.limiter.refund(Bucket::SignInAddress, &address).await;
            return Err(session::fail(e));
        }
    };
    let ok = password::bounded(move || {
        let hash = hash.unwrap_or_else(|| password::decoy_hash().to_string());
        password::verify(&password, &hash)
    })
    .await;
    match user {
        Some(u) if ok => {
            state.limiter.refund(Bucket::SignInAccount, &email).await;
            state.limiter.refund(Bucket::SignInAddress, &address).await;
            session::start(&state, &u).await.map_err(session::fail)?;
            leptos_axum::redirect(safe_next(next.as_deref()));
            Ok(())
        }
        _ => Err(refusal(Key::ErrWrongSignIn, None)),
    }
}

/// Ends this browser's session on the server and clears its cookie.
#[server]
pub async fn sign_out() -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    if let Some((user, sid)) = session::page_session().await? {
        state
            .db
            .revoke_session(&user.id, &sid)
            .await
            .map_err(session::fail)?;
    }
    session::end();
    leptos_axum::redirect("/signin");
    Ok(())
}

/// Ends every session of the signed-in user (every browser, and the API tokens their pages
/// hold); tokens from another auth service are theirs to revoke.
#[server]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let state = expect_context::<crate::state::AppState>();
    let (user, _) = session::page_session()
        .await?
        .ok_or_else(|| session::fail(AppError::Unauthorized))?;
    state
        .db
        .revoke_all_sessions(&user.id)
        .await
        .map_err(session::fail)?;
    session::end();
    leptos_axum::redirect("/signin");
    Ok(())
}

/// Which sign-in, sign-up, sign-out and sign-out-everywhere actions a session answer reflects.
type Versions = (usize, usize, usize, usize);

/// Session plus the actions that change it, provided once by `App`.
#[derive(Clone, Copy)]
pub struct AuthContext {
    /// The session as of the action versions it was fetched for.
    loaded: Resource<(Versions, Result<Option<Session>, AppError>)>,
    versions: Memo<Versions>,
    pub sign_in: ServerAction<SignIn>,
    pub sign_up: ServerAction<SignUp>,
    pub sign_out: ServerAction<SignOut>,
    pub sign_out_everywhere: ServerAction<SignOutEverywhere>,
}

impl AuthContext {
    /// The session, or `None` while it loads, including the reload after a sign-in or
    /// sign-out: a page reached right after signing in must not act on the old answer.
    pub fn session(&self) -> Option<Result<Option<Session>, AppError>> {
        let (for_versions, session) = self.loaded.get()?;
        (for_versions == self.versions.get()).then_some(session)
    }

    /// The last session answer, fresh or not, without tracking (for a token to send now).
    pub fn session_untracked(&self) -> Option<Result<Option<Session>, AppError>> {
        self.loaded.get_untracked().map(|(_, s)| s)
    }

    /// Asks the server again (after a 401 from the API).
    pub fn refetch(&self) {
        self.loaded.refetch();
    }
}

pub fn provide_auth() -> AuthContext {
    let sign_in = ServerAction::<SignIn>::new();
    let sign_up = ServerAction::<SignUp>::new();
    let sign_out = ServerAction::<SignOut>::new();
    let sign_out_everywhere = ServerAction::<SignOutEverywhere>::new();
    let versions = Memo::new(move |_| {
        (
            sign_in.version().get(),
            sign_up.version().get(),
            sign_out.version().get(),
            sign_out_everywhere.version().get(),
        )
    });
    let loaded = Resource::new(
        move || versions.get(),
        |v| async move { (v, get_session().await) },
    );
    let ctx = AuthContext {
        loaded,
        versions,
        sign_in,
        sign_up,
        sign_out,
        sign_out_everywhere,
    };
    provide_context(ctx);
    ctx
}

pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}

/// The error of a form posted without JavaScript: the server redirects back with
/// `?__path=<server fn>&__err=<encoded error>`. Our actions live above the router, which is
/// why they do not pick it up themselves.
fn url_error<S: server_fn::ServerFn>() -> Option<AppError> {
    let q = leptos_router::hooks::use_query_map().get_untracked();
    (q.get("__path").as_deref() == Some(S::PATH))
        .then(|| q.get("__err"))
        .flatten()
        .map(|e| server_fn::error::ServerFnUrlError::<AppError>::decode_err(&e))
}

/// The action's last error, or the one a no-JS post came back with, for the reader.
fn form_error<S>(action: ServerAction<S>) -> impl Fn() -> Option<String> + Copy
where
    S: server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let from_url = StoredValue::new(url_error::<S>());
    move || match action.value().get() {
        Some(r) => r.err().map(|e| i18n.error(&e)),
        None => from_url.with_value(|e| e.as_ref().map(|e| i18n.error(e))),
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = use_auth().sign_in;
    let error = form_error(action);
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let next = query.get("next").filter(|n| safe_next(Some(n)) == n);
    let signed_up = query.get("signed_up").is_some();
    let i18n = use_i18n();
    let t = move |key: Key| move || i18n.t(key);
    view! {
        <section class="auth-card">
            <h1>{t(Key::SignIn)}</h1>
            <Show when=move || signed_up>
                <p class="notice" role="status">{t(Key::SignedUpNotice)}</p>
            </Show>
            <ActionForm action=action attr:class="stack">
                {next.map(|n| view! { <input type="hidden" name="next" value=n/> })}
                <label>{t(Key::Email)} <input type="email" name="email" required autocomplete="email"/></label>
                <label>{t(Key::Password)} <input type="password" name="password" required autocomplete="current-password"/></label>
                <button type="submit" class="primary" disabled=move || action.pending().get()>{t(Key::SignIn)}</button>
            </ActionForm>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
            <p>{t(Key::NewHere)} <A href="/signup">{t(Key::CreateAccount)}</A></p>
        </section>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = use_auth().sign_up;
    let error = form_error(action);
    let i18n = use_i18n();
    let t = move |key: Key| move || i18n.t(key);
    view! {
        <section class="auth-card">
            <h1>{t(Key::CreateYourAccount)}</h1>
            <ActionForm action=action attr:class="stack">
                <label>{t(Key::Name)} <input type="text" name="name" autocomplete="name" maxlength="100"/></label>
                <label>{t(Key::Email)} <input type="email" name="email" required autocomplete="email"/></label>
                <label>{t(Key::Password)} <input type="password" name="password" required minlength="8" autocomplete="new-password"/></label>
                <button type="submit" class="primary" disabled=move || action.pending().get()>{t(Key::SignUp)}</button>
            </ActionForm>
            <Show when=move || error().is_some()>
                <p class="error" role="alert">{error}</p>
            </Show>
            <p>{t(Key::HaveAccount)} <A href="/signin">{t(Key::SignIn)}</A></p>
        </section>
    }
}

/// Sign-out, and beside it the end of every session of the account (other browsers too).
#[component]
pub fn SignOutButton() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    view! {
        <ActionForm action=auth.sign_out attr:class="inline">
            <button type="submit" class="link">{move || i18n.t(Key::SignOut)}</button>
        </ActionForm>
        <ActionForm action=auth.sign_out_everywhere attr:class="inline">
            <button type="submit" class="link" title=move || i18n.t(Key::EndAllSessionsHint)>
                {move || i18n.t(Key::EndAllSessions)}
            </button>
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_local_path_or_home() {
        for ok in ["/", "/tasks", "/tasks?status=open&q=a%2Fb", "/a/b#c"] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            " /tasks",
            "/ta sks",
            "/é",
            "https://evil.example/",
            "tasks",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
