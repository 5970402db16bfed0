//! The site's static files over real HTTP: the build's precompressed `.br`/`.gz` siblings are
//! sent by `Accept-Encoding` with `Content-Encoding`, the plain file to everyone else.

mod common;

use common::*;

#[tokio::test]
async fn precompressed_assets_are_sent_by_accept_encoding() {
    // Its own test binary: the site root comes from the environment, read at router build.
    let site = temp_dir();
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("todokit.wasm"), b"plain wasm").unwrap();
    std::fs::write(pkg.join("todokit.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("todokit.wasm.gz"), b"gzip bytes").unwrap();
    std::env::set_var("LEPTOS_SITE_ROOT", &site);
    let app = spawn_app().await;

    for (accept, encoding, body) in [
        (Some("gzip, deflate, br, zstd"), Some("br"), "brotli bytes"),
        (Some("gzip"), Some("gzip"), "gzip bytes"),
        (None, None, "plain wasm"),
    ] {
        let mut req = app.http.get(app.url("/pkg/todokit.wasm"));
        if let Some(a) = accept {
            req = req.header("accept-encoding", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{accept:?}");
        let enc = res
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(enc.as_deref(), encoding, "{accept:?}");
        let ty = res
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(ty, "application/wasm", "{accept:?}");
        assert_eq!(res.text().await.unwrap(), body, "{accept:?}");
    }
}
