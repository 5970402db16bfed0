//! `todokit`: configuration, state, routes, serve.

use app::state::{AppState, Config};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(code) = todokit_server::cli::dispatch(&args).await {
        std::process::exit(code);
    }
    let config = Config::from_env()
        .unwrap_or_else(|e| fail(&format!("cannot prepare the data directory: {e}")));
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
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| fail(&format!("cannot listen on {addr}: {e}")));
    axum::serve(listener, todokit_server::router(state))
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
