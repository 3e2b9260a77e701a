//! Proxies from the environment (SPEC §4): `HTTPS_PROXY` / `ALL_PROXY` are
//! used for remote hosts, `NO_PROXY` exempts hosts, and loopback (the
//! sandbox, `localhost`) is never proxied whatever the variables say.
//!
//! One test in its own binary: it sets process-wide environment variables,
//! which would race with any other test building a client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use graphmail::auth::{HttpOptions, build_http_client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A proxy that records the first line of each request and refuses it.
async fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&buffer[..n]);
                record
                    .lock()
                    .unwrap()
                    .push(text.lines().next().unwrap_or_default().to_string());
                let _ = socket
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    (address, seen)
}

/// A plain server answering 204 to everything.
async fn loopback_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    port
}

fn set_env(pairs: &[(&str, Option<&str>)]) {
    for (name, value) in pairs {
        // SAFETY: this binary's only test; no other thread reads the
        // environment while it is changed (clients are built after).
        unsafe {
            match value {
                Some(v) => std::env::set_var(name, v),
                None => std::env::remove_var(name),
            }
        }
    }
}

#[tokio::test]
async fn proxies_are_honoured_for_remote_hosts_and_never_for_loopback() {
    let (proxy, seen) = recording_proxy().await;
    let port = loopback_server().await;
    let quick = HttpOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        ..HttpOptions::default()
    };
    for name in [
        "https_proxy",
        "http_proxy",
        "all_proxy",
        "no_proxy",
        "NO_PROXY",
    ] {
        set_env(&[(name, None)]);
    }

    // HTTPS_PROXY carries a remote HTTPS host through a CONNECT tunnel.
    set_env(&[("HTTPS_PROXY", Some(&proxy)), ("HTTP_PROXY", Some(&proxy))]);
    let client = build_http_client(&quick).unwrap();
    let _ = client
        .get("https://login.example.test/tenant/v2.0/.well-known/openid-configuration")
        .send()
        .await;
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["CONNECT login.example.test:443 HTTP/1.1".to_string()]
    );

    // Loopback is never proxied: literals and localhost alike.
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
    ] {
        let answer = client.get(&url).send().await.unwrap();
        assert_eq!(answer.status().as_u16(), 204, "{url}");
    }
    assert_eq!(seen.lock().unwrap().len(), 1, "{:?}", seen.lock().unwrap());

    // ALL_PROXY alone, too, for any host that is not loopback. (0.0.0.0 is
    // not loopback, yet reaches this machine: no request leaves it.)
    seen.lock().unwrap().clear();
    set_env(&[
        ("HTTPS_PROXY", None),
        ("HTTP_PROXY", None),
        ("ALL_PROXY", Some(&proxy)),
    ]);
    let unspecified = format!("http://0.0.0.0:{port}/");
    let client = build_http_client(&quick).unwrap();
    let answer = client.get(&unspecified).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 502, "through the proxy");
    assert_eq!(
        *seen.lock().unwrap(),
        vec![format!("GET {unspecified} HTTP/1.1")]
    );

    // NO_PROXY exempts it.
    set_env(&[("NO_PROXY", Some("0.0.0.0"))]);
    let client = build_http_client(&quick).unwrap();
    let answer = client.get(&unspecified).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 204, "direct");
    let answer = client
        .get(format!("http://localhost:{port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 204);
    assert_eq!(seen.lock().unwrap().len(), 1, "{:?}", seen.lock().unwrap());
}
