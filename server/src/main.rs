//! `todokit`: configuration, state, routes, serve; `todokit mcp --user EMAIL` serves the task
//! tools to an MCP client over stdio instead.

use app::state::{AppState, Config};
use axum::serve::ListenerExt;

const USAGE: &str = "usage: todokit              serve the app (see README for the environment)
       todokit mcp --user EMAIL   serve EMAIL's task tools over MCP on stdin/stdout
       todokit user add --email EMAIL --password-stdin
       todokit token --email EMAIL [--ttl 1h]   print a bearer token";

fn main() {
    // Rendering a page walks deep view trees: an unoptimized (debug) build needs more than
    // tokio's default 2 MiB per worker; 8 MiB costs address space, not memory.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(8 << 20)
        .build()
        .unwrap_or_else(|e| fail(&format!("cannot start the runtime: {e}")))
        .block_on(run());
}

async fn run() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => serve().await,
        Some("mcp") => mcp(&args[1..]).await,
        // Account commands (`user add`, `token`) live in cli.rs.
        Some("user" | "token") => serve().await,
        Some("-h" | "--help" | "help") => println!("{USAGE}"),
        Some(other) => fail(&format!("unknown command '{other}'\n{USAGE}")),
    }
}

/// stdout carries the MCP protocol, so logs go to stderr (warnings only unless RUST_LOG says).
async fn mcp(args: &[String]) {
    todokit_server::observe::init_logging("warn,sqlx=warn").unwrap_or_else(|e| fail(&e));
    let email = match args {
        [flag, email] if flag == "--user" => email.trim().to_lowercase(),
        [arg] if arg.starts_with("--user=") => arg["--user=".len()..].trim().to_lowercase(),
        _ => fail(&format!("mcp needs --user EMAIL\n{USAGE}")),
    };
    let config = Config::from_env().unwrap_or_else(|e| fail(&e));
    let db = app::store::Db::connect(&config.database_url)
        .await
        .unwrap_or_else(|e| fail(&format!("cannot open the database: {e}")));
    let user = match db.user_by_email(&email).await {
        Ok(Some((user, _))) => user,
        Ok(None) => fail(&format!(
            "no user with email '{email}': sign up in the app first"
        )),
        Err(e) => fail(&format!("cannot read users: {e}")),
    };
    let tools = app::tools::TaskTools::new(db, user.id);
    if let Err(e) = app::tools::mcp::serve_stdio(tools).await {
        fail(&format!("MCP over stdio failed: {e}"));
    }
}

async fn serve() {
    // rmcp logs every in-process session (one per chat turn) at info. The line per request
    // (`todokit::http`) is on by default in JSON only, keeping the human format as it was.
    let filter = match std::env::var("LOG_FORMAT").as_deref() {
        Ok("json") => "info,sqlx=warn,rmcp=warn",
        _ => "info,sqlx=warn,rmcp=warn,todokit::http=warn",
    };
    todokit_server::observe::init_logging(filter).unwrap_or_else(|e| fail(&e));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = todokit_server::cli::dispatch(&args).await {
        std::process::exit(code);
    }
    let config = Config::from_env().unwrap_or_else(|e| fail(&e));
    let options = todokit_server::leptos_options();
    let addr = options.site_addr;
    let state = AppState::new(config, options)
        .await
        .unwrap_or_else(|e| fail(&format!("cannot open the database: {e}")));
    tracing::info!(
        "todokit {} on http://{addr} (database: {}, assistant: {})",
        env!("CARGO_PKG_VERSION"),
        state.db.kind(),
        state.agent.describe()
    );
    // Hourly: attachments nobody sent within a day go, bytes and all.
    let sweeper = state.clone();
    tokio::spawn(async move {
        loop {
            let cutoff = chrono::Utc::now()
                - chrono::Duration::from_std(app::state::UNSENT_ATTACHMENT_TTL).expect("fits");
            match sweeper.sweep_unsent_attachments(cutoff, None).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("deleted {n} attachment(s) never sent"),
                Err(e) => tracing::warn!("attachment sweep: {e}"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| fail(&format!("cannot listen on {addr}: {e}")))
        // SSE sends many small frames; without this, Nagle plus the client's delayed ACK
        // holds each turn's second write for ~40 ms.
        .tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!("TCP_NODELAY: {e}");
            }
        });
    // The peer address reaches handlers (per-address sign-in limits) as `ConnectInfo`.
    let app =
        todokit_server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .unwrap_or_else(|e| fail(&e.to_string()));
}

fn fail(message: &str) -> ! {
    eprintln!("todokit: {message}");
    std::process::exit(1)
}
