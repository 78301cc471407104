//! A tiny synchronous HTTP server per service, on 127.0.0.1 with an
//! ephemeral port, serving requests on one background thread.

use crate::error::HarnessError;
use std::sync::Arc;
use std::thread::JoinHandle;

/// A request as handlers see it.
pub struct HttpRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// The query string (after `?`), possibly empty.
    pub query: String,
    /// The `Authorization` header, if present.
    pub authorization: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The token of an `Authorization: Bearer <token>` header.
    pub fn bearer(&self) -> Option<&str> {
        self.authorization.as_deref()?.strip_prefix("Bearer ")
    }
}

/// A response from a handler.
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Content-Type header.
    pub content_type: &'static str,
    /// Body bytes.
    pub body: Vec<u8>,
    /// A `Location` header (redirects).
    pub location: Option<String>,
}

impl HttpResponse {
    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> HttpResponse {
        HttpResponse::bytes(status, "application/json", value.to_string().into_bytes())
    }

    /// A response with a body of any type.
    pub fn bytes(status: u16, content_type: &'static str, body: Vec<u8>) -> HttpResponse {
        HttpResponse {
            status,
            content_type,
            body,
            location: None,
        }
    }

    /// An error in the `{code, message}` shape the Sigstore services use.
    pub fn error(error: &HarnessError) -> HttpResponse {
        let status = error.http_status();
        HttpResponse::json(
            status,
            &serde_json::json!({"code": status, "message": error.to_string()}),
        )
    }

    /// 404 for anything a service does not serve.
    pub fn not_found(request: &HttpRequest) -> HttpResponse {
        HttpResponse::json(
            404,
            &serde_json::json!({"code": 404, "message": format!("no route for {} {}", request.method, request.path)}),
        )
    }
}

/// What a service does with a request.
pub type Handler = Arc<dyn Fn(&HttpRequest) -> HttpResponse + Send + Sync>;

/// A bound, not yet serving, listener.
pub struct Bound {
    service: &'static str,
    server: Arc<tiny_http::Server>,
    url: String,
}

impl Bound {
    /// Bind 127.0.0.1 on an ephemeral port.
    pub fn new(service: &'static str) -> Result<Bound, HarnessError> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| HarnessError::Bind {
            service,
            message: e.to_string(),
        })?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|addr| addr.port())
            .ok_or_else(|| HarnessError::Bind {
                service,
                message: "listener has no IP address".into(),
            })?;
        Ok(Bound {
            service,
            server: Arc::new(server),
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Start serving with `handler` on a background thread.
    pub fn serve(self, handler: Handler) -> Running {
        let server = Arc::clone(&self.server);
        let thread = std::thread::Builder::new()
            .name(format!("sigstore-harness-{}", self.service))
            .spawn(move || {
                for request in server.incoming_requests() {
                    handle(request, &handler);
                }
            })
            .ok();
        Running {
            server: self.server,
            thread,
        }
    }
}

fn handle(mut request: tiny_http::Request, handler: &Handler) {
    let mut body = Vec::new();
    let read = request.as_reader().read_to_end(&mut body);
    let authorization = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    let response = match read {
        Ok(_) => handler(&HttpRequest {
            method: request.method().as_str().to_string(),
            path: path.to_string(),
            query: query.to_string(),
            authorization,
            body,
        }),
        Err(e) => HttpResponse::error(&HarnessError::bad("http", format!("cannot read body: {e}"))),
    };
    let mut reply = tiny_http::Response::from_data(response.body).with_status_code(response.status);
    if let Ok(header) = tiny_http::Header::from_bytes("Content-Type", response.content_type) {
        reply = reply.with_header(header);
    }
    if let Some(location) = response.location {
        if let Ok(header) = tiny_http::Header::from_bytes("Location", location) {
            reply = reply.with_header(header);
        }
    }
    // A client that hung up is not the server's problem.
    let _ = request.respond(reply);
}

/// A serving listener; dropping it stops the thread.
pub struct Running {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
