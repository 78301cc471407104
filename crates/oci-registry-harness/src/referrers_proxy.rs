//! A read-only proxy in front of a registry without the referrers API that serves that API,
//! so that the client's API path can be tested against real stored content. It answers
//! `GET /v2/<name>/referrers/<digest>` with the index the registry holds under the tag-schema
//! tag (`sha256-<hex>`), filtered by `artifactType`, and hides the tag itself (404): a client
//! that finds signatures through this proxy used the referrers API. Everything else is
//! forwarded. One request per connection (`Connection: close`); GET and HEAD only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// A running proxy; stopped on drop.
pub struct ReferrersApiProxy {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    served: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl ReferrersApiProxy {
    /// Starts a proxy on a free loopback port in front of the registry at `upstream`.
    pub fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        Self::start_rewriting(upstream, Vec::new())
    }

    /// Like [`ReferrersApiProxy::start`], and a request for a path in `rewrites` is answered
    /// with what the registry has at the paired path: a lying registry (e.g. another manifest
    /// for a digest).
    pub fn start_rewriting(
        upstream: SocketAddr,
        rewrites: Vec<(String, String)>,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicUsize::new(0));
        let (stop_flag, served_count) = (stop.clone(), served.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    if let Ok(true) = serve(stream, upstream, &rewrites) {
                        served_count.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        });
        Ok(Self {
            addr,
            stop,
            served,
            thread: Some(thread),
        })
    }

    /// `127.0.0.1:<port>`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// How many referrers API requests were answered.
    pub fn referrers_requests(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

impl Drop for ReferrersApiProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves one request; `Ok(true)` when it was a referrers API request.
fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    rewrites: &[(String, String)],
) -> std::io::Result<bool> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if !lower.starts_with("connection:") && !lower.starts_with("host:") {
            headers.push(line);
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if let Some((name, digest)) = path
        .strip_prefix("/v2/")
        .and_then(|rest| rest.rsplit_once("/referrers/"))
    {
        let artifact_type = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("artifactType="))
            .map(|v| {
                v.replace("%2B", "+")
                    .replace("%2F", "/")
                    .replace("%3B", ";")
                    .replace("%3D", "=")
            });
        let tag = digest.replace(':', "-");
        let (status, body) = fetch(
            upstream,
            "GET",
            &format!("/v2/{name}/manifests/{tag}"),
            &["Accept: application/vnd.oci.image.index.v1+json\r\n".to_string()],
        )?;
        let index = if status == 200 {
            filtered(&body, artifact_type.as_deref())
        } else {
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#.to_string()
        };
        let filter_header = if artifact_type.is_some() {
            "OCI-Filters-Applied: artifactType\r\n"
        } else {
            ""
        };
        write!(
            client,
            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.index.v1+json\r\n{filter_header}Content-Length: {}\r\nConnection: close\r\n\r\n{index}",
            index.len()
        )?;
        return Ok(true);
    }
    let hides_tag = path.contains("/manifests/sha256-");
    if hides_tag {
        let body = r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#;
        write!(client, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
        return Ok(false);
    }
    let target = rewrites
        .iter()
        .find(|(from, _)| from == target)
        .map_or(target, |(_, to)| to.as_str());
    let raw = forward(upstream, method, target, &headers)?;
    client.write_all(&raw)?;
    Ok(false)
}

fn filtered(index: &[u8], artifact_type: Option<&str>) -> String {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(index) else {
        return String::from_utf8_lossy(index).into_owned();
    };
    if let (Some(wanted), Some(serde_json::Value::Array(entries))) =
        (artifact_type, value.get_mut("manifests"))
    {
        entries.retain(|e| e.get("artifactType").and_then(|t| t.as_str()) == Some(wanted));
    }
    value.to_string()
}

/// Sends a request upstream (HTTP/1.0: the body ends at close, no chunking) and returns the
/// raw response with `Connection: close`.
fn forward(
    upstream: SocketAddr,
    method: &str,
    target: &str,
    headers: &[String],
) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream)?;
    write!(stream, "{method} {target} HTTP/1.0\r\nHost: {upstream}\r\n")?;
    for header in headers {
        stream.write_all(header.as_bytes())?;
    }
    stream.write_all(b"\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(raw)
}

fn fetch(
    upstream: SocketAddr,
    method: &str,
    target: &str,
    headers: &[String],
) -> std::io::Result<(u16, Vec<u8>)> {
    let raw = forward(upstream, method, target, headers)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 4);
    let head = String::from_utf8_lossy(raw.get(..split).unwrap_or_default()).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, raw.get(split..).unwrap_or_default().to_vec()))
}
