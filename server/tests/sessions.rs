//! Sessions and sign-in over real HTTP on loopback: sign-out ends the session on the server
//! (and the API tokens minted from it), "sign out everywhere", the session token is no bearer
//! token, failed sign-ins are throttled per account and per address, Argon2 runs bounded, and
//! the CSRF check accepts `PUBLIC_URL`'s origin behind a proxy.

mod common;

use std::sync::Arc;

use app::agent::offline::OfflineAssistant;
use common::*;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Posts server function `S` as the hydrated page does; `cookie` is `name=value`.
async fn call<S: ServerFn>(app: &TestApp, cookie: Option<&str>, form: &str) -> reqwest::Response {
    post_server_fn(app, S::PATH, cookie, form).await
}

/// A new account made through the sign-up form; returns its email.
async fn sign_up(app: &TestApp) -> String {
    let email = format!("{}@example.com", app::chatkit::store::new_id("s"));
    let form = format!("email={}&password={}&name=S", enc(&email), enc(PASSWORD));
    let r = call::<app::auth::SignUp>(app, None, &form).await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    email
}

/// Signs in through the form and returns the session cookie (`name=value`), or the refusal.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> Result<String, reqwest::Response> {
    let form = format!("email={}&password={}", enc(email), enc(password));
    let r = call::<app::auth::SignIn>(app, None, &form).await;
    match r.headers().get("set-cookie") {
        Some(c) if r.status().is_success() || r.status().is_redirection() => {
            Ok(c.to_str().unwrap().split(';').next().unwrap().to_string())
        }
        _ => Err(r),
    }
}

/// The page's session answer: its API token, or `None` when signed out.
async fn api_token(app: &TestApp, cookie: &str) -> Option<String> {
    let r = call::<app::auth::GetSession>(app, Some(cookie), "").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["api_token"].as_str().map(str::to_string)
}

/// Whether the cookie still opens the protected tasks page.
async fn page_opens(app: &TestApp, cookie: &str) -> bool {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(app.url("/tasks"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    match r.status().as_u16() {
        200 => true,
        303 => false,
        s => panic!("/tasks answered {s}"),
    }
}

async fn chat_status(app: &TestApp, bearer: &str) -> u16 {
    app.post(bearer, req::list_threads(Default::default()))
        .await
        .status
}

#[tokio::test]
async fn signing_out_ends_the_session_and_the_api_tokens_minted_from_it() {
    let app = spawn_app().await;
    let email = sign_up(&app).await;
    let cookie = sign_in(&app, &email, PASSWORD).await.unwrap();
    let session_token = cookie.split_once('=').unwrap().1.to_string();
    assert!(page_opens(&app, &cookie).await);
    let api = api_token(&app, &cookie).await.expect("signed in");
    assert_eq!(chat_status(&app, &api).await, 200);
    // The long-lived session token is no API credential at all.
    let r = app
        .post(&session_token, req::list_threads(Default::default()))
        .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("not an API token"), "{}", r.body);
    let feed = app
        .http
        .get(app.url("/api/tasks/events"))
        .bearer_auth(&session_token)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 401);
    // Nor is the API token a session cookie.
    let as_cookie = format!("{}={api}", app::auth::session::COOKIE_NAME);
    assert!(!page_opens(&app, &as_cookie).await);

    let r = call::<app::auth::SignOut>(&app, Some(&cookie), "").await;
    assert!(r.status().is_success() || r.status().is_redirection());
    // The old cookie, kept by someone who copied it, opens nothing any more.
    assert!(!page_opens(&app, &cookie).await);
    assert_eq!(api_token(&app, &cookie).await, None);
    let feed = app
        .http
        .get(app.url("/api/tasks/events"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 401);
    let r = call::<app::tasks::CreateTask>(
        &app,
        Some(&cookie),
        "title=after&description=&priority=low&due=&tags=",
    )
    .await;
    assert_eq!(r.status(), 401);
    // The API token minted from that session ends with it.
    let r = app.post(&api, req::list_threads(Default::default())).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(r.body.contains("session has ended"), "{}", r.body);
    // Signing in again works as before.
    let again = sign_in(&app, &email, PASSWORD).await.unwrap();
    assert!(page_opens(&app, &again).await);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_account_only() {
    let app = spawn_app().await;
    let email = sign_up(&app).await;
    let laptop = sign_in(&app, &email, PASSWORD).await.unwrap();
    let phone = sign_in(&app, &email, PASSWORD).await.unwrap();
    let phone_api = api_token(&app, &phone).await.unwrap();
    let other = sign_up(&app).await;
    let others = sign_in(&app, &other, PASSWORD).await.unwrap();
    // A token from the auth service that shares JWT_SECRET is not ours to revoke.
    let (user_id, _) = app.state.db.user_by_email(&email).await.unwrap().unwrap();
    let foreign = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": user_id.id, "exp": chrono::Utc::now().timestamp() + 600, "typ": "Bearer"}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(chat_status(&app, &foreign).await, 200);

    let r = call::<app::auth::SignOutEverywhere>(&app, Some(&laptop), "").await;
    assert!(r.status().is_success() || r.status().is_redirection());
    assert!(!page_opens(&app, &laptop).await);
    assert!(
        !page_opens(&app, &phone).await,
        "the other browser is out too"
    );
    assert_eq!(chat_status(&app, &phone_api).await, 401);
    assert!(
        page_opens(&app, &others).await,
        "another account is untouched"
    );
    assert_eq!(chat_status(&app, &foreign).await, 200);
    // Signed out, the button has nothing to end.
    let r = call::<app::auth::SignOutEverywhere>(&app, Some(&laptop), "").await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_and_per_address() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.limits.sign_in_failures_per_account = 3;
        c.limits.sign_in_failures_per_address = 5;
    })
    .await;
    let alice = sign_up(&app).await;
    // Successful sign-ins do not count.
    for _ in 0..6 {
        sign_in(&app, &alice, PASSWORD).await.unwrap();
    }
    for i in 0..3 {
        let r = sign_in(&app, &alice, "wrong password").await.unwrap_err();
        assert_eq!(r.status(), 422, "attempt {i}");
    }
    // The account is held: even the right password waits, with a clear 429.
    let r = sign_in(&app, &alice, PASSWORD).await.unwrap_err();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=100).contains(&wait), "Retry-After {wait}");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Too many failed sign-ins for this account"),
        "{body}"
    );
    assert!(body.contains("Please wait"), "{body}");
    // Another account from the same address has its own allowance, until the address's is
    // spent (5 failures in all from here).
    let bob = sign_up(&app).await;
    for i in 0..2 {
        let r = sign_in(&app, &bob, "wrong password").await.unwrap_err();
        assert_eq!(r.status(), 422, "bob's attempt {i}");
    }
    let carol = sign_up(&app).await;
    let r = sign_in(&app, &carol, PASSWORD).await.unwrap_err();
    assert_eq!(r.status(), 429);
    let body = r.text().await.unwrap();
    assert!(body.contains("from your network"), "{body}");
}

/// 64 sign-ins at once: Argon2 never runs more than twice the cores at a time.
#[tokio::test]
async fn password_hashing_runs_bounded() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.limits.sign_in_failures_per_address = 1000;
    })
    .await;
    let attempts = (0..64).map(|i| {
        let app = &app;
        async move {
            let email = format!("nobody-{i}@example.com");
            sign_in(app, &email, "wrong password")
                .await
                .unwrap_err()
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 422), "{statuses:?}");
    let most = app::auth::password::most_parallel_hashes();
    assert!(most >= 1);
    assert!(
        most <= app::auth::password::max_parallel_hashes(),
        "{most} hashes ran at once"
    );
}

/// Behind a proxy that rewrites `Host`, the browser's `Origin` is `PUBLIC_URL`'s: accepted.
#[tokio::test]
async fn posts_from_the_public_url_pass_the_csrf_check() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.public_url = Some("https://todo.example.com".into());
    })
    .await;
    let (user_id, _) = app.user().await;
    let cookie = app.session_cookie(&user_id).await;
    let post = |origin: &'static str| {
        app.http
            .post(app.url(app::tasks::CreateTask::PATH))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .header("cookie", &cookie)
            .header("origin", origin)
            .body("title=proxied&description=&priority=low&due=&tags=")
            .send()
    };
    let r = post("https://todo.example.com").await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    for evil in ["https://evil.example", "http://todo.example.com", "null"] {
        let r = post(evil).await.unwrap();
        assert_eq!(r.status(), 403, "{evil}");
    }
}
