//! The loopback redirect server: waits for the browser's `GET /auth/callback?…` and takes the
//! authorization code from it.

use sigstore_sign::reqwest::Url;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::REDIRECT_PATH;

/// The largest request head the loopback server reads.
const MAX_REQUEST_HEAD: usize = 8192;

/// Serves the loopback redirect until the authorization response arrives,
/// answering anything else (a favicon request, a stray probe) with 404.
pub(super) async fn wait_for_redirect(
    listener: &TcpListener,
    state: &str,
) -> Result<String, String> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| format!("accept failed: {e}"))?;
        let Ok(head) = read_request_head(&mut stream).await else {
            continue;
        };
        let Some(query) = callback_query(&head) else {
            // The browser's other requests get nothing; keep waiting.
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await;
            continue;
        };
        let outcome = authorization_code(&query, state);
        let (status, body) = match &outcome {
            Ok(_) => ("200 OK", SUCCESS_HTML.to_owned()),
            Err(e) => (
                "400 Bad Request",
                format!(
                    "<html><body>Sigstore authentication failed: {}</body></html>",
                    html_escape(e)
                ),
            ),
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
        return outcome;
    }
}

async fn read_request_head(stream: &mut tokio::net::TcpStream) -> Result<String, String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
        let chunk = buf.get(..n).unwrap_or_default();
        if chunk.is_empty() || head.len() + chunk.len() > MAX_REQUEST_HEAD {
            return Err("incomplete or oversized request".to_owned());
        }
        head.extend_from_slice(chunk);
    }
    String::from_utf8(head).map_err(|_| "request head is not UTF-8".to_owned())
}

/// The query string of a `GET /auth/callback?…` request line, if it is one.
pub fn callback_query(head: &str) -> Option<String> {
    let mut parts = head.lines().next()?.split_whitespace();
    let (method, target) = (parts.next()?, parts.next()?);
    if method != "GET" {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    (path == REDIRECT_PATH).then(|| query.to_owned())
}

/// The code from an authorization response query, after checking `error` and `state`.
pub fn authorization_code(query: &str, expected_state: &str) -> Result<String, String> {
    let url = Url::parse(&format!("http://localhost{REDIRECT_PATH}?{query}"))
        .map_err(|e| format!("malformed redirect: {e}"))?;
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        let description = param("error_description")
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        return Err(format!(
            "Error response from auth endpoint: {error}{description}"
        ));
    }
    match param("state") {
        Some(state) if state == expected_state => {}
        _ => return Err("OAuth state mismatch".to_owned()),
    }
    param("code").ok_or_else(|| "the redirect carries no authorization code".to_owned())
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const SUCCESS_HTML: &str = "<html><head><title>Sigstore Authentication</title></head>\
<body><p><b>sigstore</b> authentication successful!</p><p>You may now close this page.</p></body></html>";
