//! Accounts and security over real HTTP on loopback: hostile tokens, other users' ids, the
//! chat rate limit, CSRF, security headers, no-JS sign-in, SQL-looking input and the CLI.

mod common;

use std::sync::Arc;

use app::agent::offline::OfflineAssistant;
use app::auth::session::COOKIE_NAME;
use app::chatkit::types::FeedbackKind;
use app::tasks::model::{NewTask, TaskFilter};
use common::*;
use leptos::server_fn::ServerFn;
use serde_json::{json, Value};

fn path<S: ServerFn>() -> &'static str {
    S::PATH
}

/// A server function call as the page makes it, with the session cookie of `token`.
async fn call(app: &TestApp, token: Option<&str>, fn_path: &str, form: &str) -> Reply {
    let cookie = token.map(|t| format!("{COOKIE_NAME}={t}"));
    Reply::read(post_server_fn(app, fn_path, cookie.as_deref(), form).await).await
}

/// A new user signed in in a browser: their id and the session cookie's token.
async fn signed_in(app: &TestApp) -> (String, String) {
    let (user_id, _) = app.user().await;
    let cookie = app.session_cookie(&user_id).await;
    let token = cookie.split_once('=').unwrap().1.to_string();
    (user_id, token)
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn create_form(title: &str, description: &str, tags: &str) -> String {
    format!(
        "title={}&description={}&priority=high&due=2030-01-02&tags={}",
        enc(title),
        enc(description),
        enc(tags)
    )
}

fn b64(v: &Value) -> String {
    // Unpadded base64url, as JWTs use.
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn signed(claims: Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn hostile_tokens_get_401_and_nothing_is_done() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.jwt_issuer = Some("https://auth.example".into());
        c.jwt_audience = Some("todokit".into());
    })
    .await;
    let now = chrono::Utc::now().timestamp();
    let good = |sub: &str| json!({"sub": sub, "exp": now + 600, "iss": "https://auth.example", "aud": "todokit"});
    let with = |sub: &str, k: &str, v: Value| {
        let mut c = good(sub);
        c[k] = v;
        c
    };
    let s = SECRET.as_bytes();
    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        (
            "none algorithm",
            Some(format!(
                "{}.{}.",
                b64(&json!({"alg":"none","typ":"JWT"})),
                b64(&good("intruder-none"))
            )),
        ),
        (
            "expired",
            Some(signed(with("intruder-exp", "exp", json!(now - 3600)), s)),
        ),
        (
            "not yet valid",
            Some(signed(with("intruder-nbf", "nbf", json!(now + 3600)), s)),
        ),
        (
            "wrong key",
            Some(signed(good("intruder-key"), b"another-secret-entirely")),
        ),
        (
            "wrong audience",
            Some(signed(with("intruder-aud", "aud", json!("other-app")), s)),
        ),
        (
            "wrong issuer",
            Some(signed(
                with("intruder-iss", "iss", json!("https://evil.example")),
                s,
            )),
        ),
        ("malformed", Some("eyJhbGciOi.not-base64!.x".into())),
    ];
    let create = req::create("add leaked");
    for (name, token) in &cases {
        let r = app.post_raw(token.as_deref(), &create.to_string()).await;
        assert_eq!(r.status, 401, "{name}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], "unauthorized", "{name}");
        // The same token as a session cookie is no session at all.
        let r = call(
            &app,
            Some(token.as_deref().unwrap_or("")),
            path::<app::tasks::CreateTask>(),
            &create_form("leaked", "", ""),
        )
        .await;
        assert_eq!(r.status, 401, "{name} (cookie): {}", r.body);
    }
    for sub in [
        "intruder-none",
        "intruder-exp",
        "intruder-nbf",
        "intruder-key",
        "intruder-aud",
        "intruder-iss",
    ] {
        assert!(
            app.state.db.user_by_id(sub).await.unwrap().is_none(),
            "{sub} was not provisioned"
        );
    }
    // A correct token from the shared auth service works and provisions its user.
    let ok = signed(
        with("svc-user-1", "email", json!("svc@example.com")),
        SECRET.as_bytes(),
    );
    let r = app.post_raw(Some(&ok), &create.to_string()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let u = app
        .state
        .db
        .user_by_id("svc-user-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.email.as_deref(), Some("svc@example.com"));
    // Within the 60 s leeway an expired token still works.
    let skewed = signed(with("svc-user-1", "exp", json!(now - 30)), s);
    let r = app
        .post(&skewed, req::list_threads(Default::default()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn another_users_task_ids_are_not_found_by_any_server_function() {
    let app = spawn_app().await;
    let (alice_id, alice) = signed_in(&app).await;
    let (_, bob) = signed_in(&app).await;
    let task = app
        .state
        .db
        .create_task(
            &alice_id,
            NewTask {
                title: "alice secret".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let id = task.id;
    let attempts = [
        (
            path::<app::tasks::UpdateTask>(),
            format!("id={id}&title=pwned&description=&priority=low&due=&tags="),
        ),
        (
            path::<app::tasks::SetTaskDone>(),
            format!("id={id}&done=true"),
        ),
        (path::<app::tasks::DeleteTask>(), format!("id={id}")),
    ];
    for (p, form) in &attempts {
        let r = call(&app, Some(&bob), p, form).await;
        assert_eq!(r.status, 404, "{p}: {}", r.body);
        assert!(!r.body.contains("alice"), "nothing leaks: {}", r.body);
    }
    // Bob's list and overview do not include it.
    let r = call(
        &app,
        Some(&bob),
        path::<app::tasks::ListTasks>(),
        "filter[status]=all&sort=smart",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!([]));
    let r = call(&app, Some(&bob), path::<app::tasks::DashboardData>(), "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["open"], 0);
    // Alice's task is untouched, and she can see it.
    let t = app.state.db.task(&alice_id, id).await.unwrap();
    assert_eq!((t.title.as_str(), t.completed), ("alice secret", false));
    let r = call(
        &app,
        Some(&alice),
        path::<app::tasks::ListTasks>(),
        "filter[status]=all&sort=smart",
    )
    .await;
    assert_eq!(r.json()[0]["title"], "alice secret");
    // Without a session every server function refuses.
    for p in [
        path::<app::tasks::ListTasks>(),
        path::<app::tasks::DashboardData>(),
        path::<app::tasks::DeleteTask>(),
    ] {
        let r = call(
            &app,
            None,
            p,
            &format!("id={id}&filter[status]=all&sort=smart"),
        )
        .await;
        assert_eq!(r.status, 401, "{p}: {}", r.body);
    }
    // get_session only ever describes the cookie's own user.
    let r = call(&app, Some(&bob), path::<app::auth::GetSession>(), "").await;
    assert_ne!(r.json()["user_id"], json!(alice_id));
}

#[tokio::test]
async fn another_users_chat_items_are_not_found() {
    let app = spawn_app().await;
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let (thread_id, events) = app.create_thread(&alice, "add secret plan").await;
    let item_id = events[1]["item"]["id"].as_str().unwrap().to_string();
    for body in [
        req::retry_after(&thread_id, &item_id),
        req::feedback(&thread_id, &[&item_id], FeedbackKind::Positive),
    ] {
        let r = app.post(&bob, body.clone()).await;
        assert!(
            r.status == 404 || r.status == 403,
            "{body}: {} {}",
            r.status,
            r.body
        );
        assert!(!r.body.contains("secret"), "nothing leaks: {}", r.body);
    }
}

#[tokio::test]
async fn chat_turns_are_limited_per_user_and_recover() {
    let app = spawn_app_configured(Arc::new(OfflineAssistant), |c| {
        c.rate_limit_per_minute = 3;
        c.rate_limit_window_secs = 3;
    })
    .await;
    let (_, alice) = app.user().await;
    let (_, bob) = app.user().await;
    let create = req::create("hello");
    for i in 0..3 {
        let r = app.post(&alice, create.clone()).await;
        assert_eq!(r.status, 200, "turn {i}: {}", r.body);
    }
    let res = app
        .http
        .post(app.url("/api/chatkit"))
        .bearer_auth(&alice)
        .header("content-type", "application/json")
        .body(create.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&retry), "Retry-After {retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(body["error"]["allow_retry"], true);
    assert!(body["error"]["message"].as_str().unwrap().contains("wait"));
    // Reads are not turns, and other users have their own allowance.
    let r = app
        .post(&alice, req::list_threads(Default::default()))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["data"].as_array().unwrap().len(),
        3,
        "the refused turn stored nothing"
    );
    assert_eq!(app.post(&bob, create.clone()).await.status, 200);
    tokio::time::sleep(std::time::Duration::from_secs(retry)).await;
    assert_eq!(
        app.post(&alice, create.clone()).await.status,
        200,
        "recovered"
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    let (user_id, token) = signed_in(&app).await;
    let p = path::<app::tasks::CreateTask>();
    let send = |origin: Option<&'static str>, referer: Option<&'static str>| {
        let mut req = app
            .http
            .post(app.url(p))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("{COOKIE_NAME}={token}"))
            .body(create_form("csrf", "", ""));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        req.send()
    };
    let r = send(Some("https://evil.example"), None).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = send(Some("null"), None).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = send(None, Some("https://evil.example/page")).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let tasks = app
        .state
        .db
        .list_tasks(&user_id, &TaskFilter::default(), chrono::Utc::now())
        .await
        .unwrap();
    assert!(tasks.is_empty(), "no cross-site request created a task");
    // Our own page's post goes through.
    let r = call(&app, Some(&token), p, &create_form("mine", "", "")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["title"], "mine");
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_matching_script_nonce() {
    let app = spawn_app().await;
    let res = app.http.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let h = res.headers().clone();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let csp = h["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("'wasm-unsafe-eval'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap()
        .to_string();
    let html = res.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "the hydration script is inline");
    for s in scripts {
        let tag = s.split('>').next().unwrap();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")) || tag.contains("src="),
            "inline script without our nonce: <script{tag}>"
        );
    }
    // A second page load gets a different nonce.
    let again = app.http.get(app.url("/signin")).send().await.unwrap();
    assert_ne!(
        again.headers()["content-security-policy"].to_str().unwrap(),
        csp
    );
    // JSON answers carry the headers too.
    let r = app
        .http
        .get(app.url("/api/chatkit/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn sign_in_without_javascript_lands_signed_in_or_shows_the_error() {
    let app = spawn_app().await;
    let email = format!("{}@example.com", app::chatkit::store::new_id("nojs"));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |fn_path: &'static str, form: String, from: &'static str| {
        http.post(app.url(fn_path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html,application/xhtml+xml")
            .header("origin", format!("http://{}", app.addr))
            .header("referer", app.url(from))
            .body(form)
            .send()
    };
    // A weak password comes back to the form with a clear message.
    let r = post(
        path::<app::auth::SignUp>(),
        format!("email={}&password=short&name=N", enc(&email)),
        "/signup",
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.contains("/signup?") && back.contains("__err="),
        "{back}"
    );
    let page = http.get(&back).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Password must be at least 8 characters."),
        "{page}"
    );

    let r = post(
        path::<app::auth::SignUp>(),
        format!(
            "email={}&password=correct+horse+battery&name=N",
            enc(&email)
        ),
        "/signup",
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(r.headers()["location"], app::auth::SIGNED_UP_URL);
    assert!(
        r.headers().get("set-cookie").is_none(),
        "sign-up signs no one in"
    );
    let page = http
        .get(app.url(app::auth::SIGNED_UP_URL))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("your account is ready"), "{page}");
    // The same email again (another password) gets the same answer: the form does not tell
    // who has an account, and the account keeps its password.
    let r = post(
        path::<app::auth::SignUp>(),
        format!("email={}&password=another+password+1&name=M", enc(&email)),
        "/signup",
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(r.headers()["location"], app::auth::SIGNED_UP_URL);
    assert!(r.headers().get("set-cookie").is_none());

    // Wrong password and unknown account read the same.
    for form in [
        format!("email={}&password=wrong-password", enc(&email)),
        "email=nobody%40example.com&password=wrong-password".to_string(),
    ] {
        let r = post(path::<app::auth::SignIn>(), form, "/signin")
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 302);
        assert!(r.headers().get("set-cookie").is_none());
        let back = r.headers()["location"].to_str().unwrap().to_string();
        let page = http.get(&back).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Wrong email or password."), "{page}");
    }

    let r = post(
        path::<app::auth::SignIn>(),
        format!("email={}&password=correct+horse+battery", enc(&email)),
        "/signin",
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    assert_eq!(r.headers()["location"], "/");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let home = http
        .get(app.url("/"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains(", N</h1>"), "signed in on /: {home}");
    assert!(home.contains("open"), "the dashboard shows counts");

    // A task form posted without JavaScript comes back to the list with the task on it.
    let r = http
        .post(app.url(path::<app::tasks::CreateTask>()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .header("referer", app.url("/tasks"))
        .header("cookie", &session)
        .body(create_form("posted without js", "", "home"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let list = http
        .get(app.url("/tasks"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("posted without js"), "{list}");
}

#[tokio::test]
async fn protected_pages_redirect_to_sign_in_and_back() {
    let app = spawn_app().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str, cookie: Option<&str>| {
        let mut r = http.get(app.url(path));
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        r.send()
    };
    let location = |r: &reqwest::Response| r.headers()["location"].to_str().unwrap().to_string();

    // Signed out (no cookie, or a forged one): 303 to sign in, remembering where to return.
    for cookie in [None, Some("todokit_session=not.a.jwt")] {
        let r = get("/tasks?status=done", cookie).await.unwrap();
        assert_eq!(r.status().as_u16(), 303);
        assert_eq!(location(&r), "/signin?next=/tasks%3Fstatus%3Ddone");
        assert!(!r.text().await.unwrap().contains("task-list"));
    }
    // The sign-in page carries `next` into its form.
    let page = get("/signin?next=/tasks", None).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"name="next" value="/tasks""#), "{html}");
    // An off-site `next` is not echoed into the form.
    let html = get("/signin?next=//evil.test/x", None)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("evil.test"), "{html}");

    // Signing in (without JavaScript) lands on `next`; an off-site one lands on /.
    let (_, token) = signed_in(&app).await;
    let email = format!("{}@example.com", app::chatkit::store::new_id("gate"));
    let r = http
        .post(app.url(path::<app::auth::SignUp>()))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body(format!(
            "email={}&password=correct+horse+battery&name=G",
            enc(&email)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302, "sign-up");
    // A tab or a backslash after the first slash would also leave the site (browsers drop
    // tabs and read `\` as `/`).
    for (next, landing) in [
        ("%2Ftasks", "/tasks"),
        ("%2F%2Fevil.test", "/"),
        ("%2F%09%2Fevil.test", "/"),
        ("%2F%5Cevil.test", "/"),
    ] {
        let r = http
            .post(app.url(path::<app::auth::SignIn>()))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(format!(
                "email={}&password=correct+horse+battery&next={next}",
                enc(&email)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 302);
        assert_eq!(location(&r), landing);
    }

    // Signed in: the page renders, and the sign-in page sends the user on.
    let cookie = format!("todokit_session={token}");
    let r = get("/tasks", Some(&cookie)).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = get("/signin?next=/tasks", Some(&cookie)).await.unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), "/tasks");
    let r = get("/signup", Some(&cookie)).await.unwrap();
    assert_eq!(location(&r), "/");
    let r = get("/signin?next=/%09/evil.test", Some(&cookie))
        .await
        .unwrap();
    assert_eq!(location(&r), "/");
}

#[tokio::test]
async fn sql_looking_text_is_stored_verbatim() {
    let app = spawn_app().await;
    let (user_id, token) = signed_in(&app).await;
    let evil = "Robert'); DROP TABLE tasks;-- \" OR 1=1 %_ \\";
    let r = call(
        &app,
        Some(&token),
        path::<app::tasks::CreateTask>(),
        &create_form(evil, evil, "x'y,\"; DELETE FROM users;--"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let t = app.state.db.task(&user_id, id).await.unwrap();
    assert_eq!(t.title, evil.trim());
    assert_eq!(t.description, evil);
    assert_eq!(
        t.tags,
        vec![
            "x'y".to_string(),
            "\";".into(),
            "delete".into(),
            "from".into(),
            "users;--".into()
        ]
    );
    // Searching for it with the same text finds exactly it.
    let r = call(
        &app,
        Some(&token),
        path::<app::tasks::ListTasks>(),
        &format!(
            "filter[status]=all&filter[query]={}&sort=title",
            enc("DROP TABLE tasks;--")
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()[0]["title"], evil.trim());
    // Editing, and a chat message, keep it too.
    let r = call(
        &app,
        Some(&token),
        path::<app::tasks::UpdateTask>(),
        &format!(
            "id={id}&title={}&description={}&priority=low&due=&tags=",
            enc("1; DROP TABLE users"),
            enc(evil)
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.state.db.task(&user_id, id).await.unwrap().title,
        "1; DROP TABLE users"
    );
    let bearer = app.state.keys.issue(&user_id, None, 3600);
    let (thread_id, events) = app.create_thread(&bearer, evil).await;
    assert_eq!(events[1]["item"]["content"][0]["text"], evil.trim());
    let r = app.get_thread(&bearer, &thread_id).await;
    assert_eq!(r.status, 200);
    assert!(
        app.state.db.user_by_id(&user_id).await.unwrap().is_some(),
        "users survived"
    );
}

#[tokio::test]
async fn oversized_form_posts_get_413() {
    let app = spawn_app().await;
    let (_, token) = signed_in(&app).await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let r = call(
        &app,
        Some(&token),
        path::<app::tasks::CreateTask>(),
        &create_form("big", &huge, ""),
    )
    .await;
    assert_eq!(r.status, 413, "{}", &r.body[..r.body.len().min(200)]);
    let long = "x".repeat(10_001);
    let r = call(
        &app,
        Some(&token),
        path::<app::tasks::CreateTask>(),
        &create_form("long", &long, ""),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("at most 10000 characters"), "{}", r.body);
}

#[tokio::test]
async fn cli_adds_a_user_and_prints_a_working_token() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = temp_dir();
    let db_url = database_url(&dir);
    let email = format!("{}@example.com", app::chatkit::store::new_id("cli"));
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_todokit"))
            .args(args)
            .env("TODOKIT_DATA_DIR", &dir)
            .env("DATABASE_URL", &db_url)
            .env("JWT_SECRET", SECRET)
            .env_remove("JWT_ISSUER")
            .env_remove("JWT_AUDIENCE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = run(
        &["user", "add", "--email", &email, "--password-stdin"],
        "short\n",
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 8"));
    let out = run(
        &["user", "add", "--email", &email, "--password-stdin"],
        "correct horse battery\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["token", "--email", &email, "--ttl", "1h"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let keys = app::auth::token::TokenKeys::new(SECRET.as_bytes(), None, None);
    let claims = keys.verify(&token).unwrap();
    let ttl = claims.exp - chrono::Utc::now().timestamp();
    assert!((3500..=3600).contains(&ttl), "ttl {ttl}");
    let db = app::store::Db::connect(&db_url).await.unwrap();
    let (user, hash) = db.user_by_email(&email).await.unwrap().unwrap();
    assert_eq!(claims.sub, user.id);
    assert!(app::auth::password::verify(
        "correct horse battery",
        &hash.unwrap()
    ));
    // The token works against a server sharing the secret.
    let app = spawn_app().await;
    let r = app
        .post(&token, req::list_threads(Default::default()))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let unknown = run(&["token", "--email", "nobody@example.com"], "");
    assert!(!unknown.status.success());
}

#[test]
fn a_short_jwt_secret_is_refused_at_start() {
    let dir = temp_dir();
    let start = |secret: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_todokit"))
            .args(["token", "--email", "nobody@example.com"])
            .env("TODOKIT_DATA_DIR", &dir)
            .env("DATABASE_URL", database_url(&dir))
            .env("JWT_SECRET", secret)
            .output()
            .unwrap()
    };
    let out = start("too-short-a-secret");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("JWT_SECRET is 18 bytes"), "{err}");
    assert!(err.contains("at least 32"), "{err}");
    // A long enough one gets past start-up (then fails on the unknown user, as it should).
    let out = start(SECRET);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no account"), "{err}");
}
