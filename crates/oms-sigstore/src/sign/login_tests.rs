//! The interactive login against a fake OIDC provider on loopback: discovery,
//! browser redirect to our loopback server, out-of-band code entry, PKCE and
//! Basic client authentication with the secret.

use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use super::login::*;
use super::test_http::{self, form_fields, query_param, Request, Response};
use super::SigningError;

const CODE: &str = "the-code";

/// What the fake provider saw.
#[derive(Default)]
struct Seen {
    challenge: Option<String>,
    authorize_redirect_uri: Option<String>,
    token_request: Option<Request>,
}

/// A provider at `base`: `/authorize` redirects to `redirect_uri` with the code
/// (or with `error=access_denied` when `deny`), `/token` checks the PKCE
/// verifier and returns `id_token`.
fn provider(deny: bool, id_token: &'static str) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let base = Arc::new(Mutex::new(String::new()));
    let (seen2, base2) = (Arc::clone(&seen), Arc::clone(&base));
    let url = test_http::serve(Arc::new(move |req: &Request| {
        let base = base2.lock().unwrap().clone();
        let full = format!("{base}{}", req.target);
        let path = req.target.split('?').next().unwrap_or_default();
        let mut seen = seen2.lock().unwrap();
        match (req.method.as_str(), path) {
            ("GET", "/.well-known/openid-configuration") => Response::json(
                "200 OK",
                &format!(
                    r#"{{"issuer":"{base}","authorization_endpoint":"{base}/authorize","token_endpoint":"{base}/token"}}"#
                ),
            ),
            ("GET", "/authorize") => {
                seen.challenge = query_param(&full, "code_challenge");
                let redirect = query_param(&full, "redirect_uri").unwrap();
                seen.authorize_redirect_uri = Some(redirect.clone());
                let state = query_param(&full, "state").unwrap();
                if deny {
                    Response::redirect(&format!("{redirect}?error=access_denied&state={state}"))
                } else {
                    Response::redirect(&format!("{redirect}?code={CODE}&state={state}"))
                }
            }
            ("POST", "/token") => {
                seen.token_request = Some(req.clone());
                let form = form_fields(&req.body);
                let verifier = form.get("code_verifier").cloned().unwrap_or_default();
                let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                if form.get("code").map(String::as_str) != Some(CODE)
                    || seen.challenge.as_deref() != Some(challenge.as_str())
                {
                    return Response::json("400 Bad Request", r#"{"error":"invalid_grant"}"#);
                }
                Response::json(
                    "200 OK",
                    &format!(
                        r#"{{"access_token":"opaque","id_token":"{id_token}","token_type":"bearer"}}"#
                    ),
                )
            }
            _ => Response::json("404 Not Found", "{}"),
        }
    }));
    *base.lock().unwrap() = url.clone();
    (url, seen)
}

/// A "browser" that follows the provider's redirect to our loopback server,
/// first making a stray favicon request the server must ignore.
struct Browser {
    opens: bool,
    messages: Mutex<Vec<String>>,
    code: Option<&'static str>,
}

impl LoginPrompt for Browser {
    fn open_browser(&self, url: &str) -> bool {
        if !self.opens {
            return false;
        }
        let url = url.to_owned();
        std::thread::spawn(move || {
            let (status, headers, _) = test_http::get(&url);
            assert_eq!(status, 302);
            let callback = headers.get("location").unwrap().clone();
            let origin = callback.split("/auth/").next().unwrap().to_owned();
            let (status, _, _) = test_http::get(&format!("{origin}/favicon.ico"));
            assert_eq!(status, 404);
            test_http::get(&callback);
        });
        true
    }

    fn notify(&self, message: &str) {
        self.messages.lock().unwrap().push(message.to_owned());
    }

    fn read_code(&self) -> std::io::Result<String> {
        Ok(self.code.unwrap_or_default().to_owned())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn run_login(issuer: &str, force_oob: bool, prompt: &Browser) -> Result<String, SigningError> {
    let http = sigstore_sign::reqwest::Client::new();
    let client = OAuthClientId {
        issuer,
        client_id: "my-client",
        client_secret: "s3cret",
    };
    runtime().block_on(login(
        &http,
        client,
        force_oob,
        DEFAULT_LOGIN_TIMEOUT,
        prompt,
    ))
}

#[test]
fn browser_flow_uses_loopback_redirect_pkce_and_basic_auth() {
    let (issuer, seen) = provider(false, "the.id.token");
    let browser = Browser {
        opens: true,
        messages: Mutex::default(),
        code: None,
    };
    assert_eq!(run_login(&issuer, false, &browser).unwrap(), "the.id.token");
    assert_eq!(
        *browser.messages.lock().unwrap(),
        ["Waiting for browser interaction..."]
    );
    let seen = seen.lock().unwrap();
    let redirect = seen.authorize_redirect_uri.clone().unwrap();
    assert!(
        redirect.starts_with("http://localhost:") && redirect.ends_with("/auth/callback"),
        "{redirect}"
    );
    let token_request = seen.token_request.clone().unwrap();
    assert_eq!(
        token_request.headers.get("authorization").unwrap(),
        &format!("Basic {}", STANDARD.encode("my-client:s3cret"))
    );
    let form = form_fields(&token_request.body);
    assert_eq!(form.get("grant_type").unwrap(), "authorization_code");
    assert_eq!(form.get("redirect_uri").unwrap(), &redirect);
    assert!(!form.contains_key("client_secret"));
}

/// The user opens the printed link (the provider then shows the code) and
/// pastes the code.
struct OutOfBandUser(Mutex<Vec<String>>);

impl LoginPrompt for OutOfBandUser {
    fn open_browser(&self, _: &str) -> bool {
        panic!("--oauth_force_oob must not open a browser")
    }

    fn notify(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_owned());
    }

    fn read_code(&self) -> std::io::Result<String> {
        let message = self.0.lock().unwrap().last().cloned().unwrap();
        let url = message.rsplit('\t').next().unwrap();
        let (status, headers, _) = test_http::get(url);
        assert_eq!(status, 302);
        assert!(headers
            .get("location")
            .unwrap()
            .starts_with(OOB_REDIRECT_URI));
        Ok(CODE.to_owned())
    }
}

#[test]
fn out_of_band_flow_prints_the_url_and_reads_the_code() {
    let (issuer, seen) = provider(false, "oob.id.token");
    let user = OutOfBandUser(Mutex::default());
    let http = sigstore_sign::reqwest::Client::new();
    let client = OAuthClientId {
        issuer: &issuer,
        client_id: "my-client",
        client_secret: "",
    };
    let token = runtime()
        .block_on(login(&http, client, true, DEFAULT_LOGIN_TIMEOUT, &user))
        .unwrap();
    assert_eq!(token, "oob.id.token");
    let messages = user.0.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    let url = messages[0]
        .strip_prefix("Go to the following link in a browser:\n\n\t")
        .unwrap();
    assert!(url.starts_with(&format!("{issuer}/authorize?")), "{url}");
    assert_eq!(query_param(url, "response_type").unwrap(), "code");
    assert_eq!(query_param(url, "redirect_uri").unwrap(), OOB_REDIRECT_URI);
    assert_eq!(query_param(url, "client_id").unwrap(), "my-client");
    assert_eq!(query_param(url, "scope").unwrap(), "openid email");
    assert_eq!(query_param(url, "code_challenge_method").unwrap(), "S256");
    let seen = seen.lock().unwrap();
    let token_request = seen.token_request.clone().unwrap();
    // An empty secret is still sent, as `client_id:` (like requests' auth tuple).
    assert_eq!(
        token_request.headers.get("authorization").unwrap(),
        &format!("Basic {}", STANDARD.encode("my-client:"))
    );
    assert_eq!(
        form_fields(&token_request.body)
            .get("redirect_uri")
            .unwrap(),
        OOB_REDIRECT_URI
    );
}

#[test]
fn no_browser_falls_back_to_out_of_band() {
    let (issuer, _) = provider(false, "x.y.z");
    let prompt = Browser {
        opens: false,
        messages: Mutex::default(),
        code: Some("wrong"),
    };
    let err = run_login(&issuer, false, &prompt).unwrap_err();
    assert!(matches!(
        err,
        SigningError::Login {
            step: "exchanging the code at the token endpoint",
            ..
        }
    ));
    let messages = prompt.messages.lock().unwrap();
    assert!(messages[0].starts_with("Go to the following link in a browser:"));
}

#[test]
fn denied_authorization_is_reported() {
    let (issuer, _) = provider(true, "x.y.z");
    let browser = Browser {
        opens: true,
        messages: Mutex::default(),
        code: None,
    };
    assert_eq!(
        run_login(&issuer, false, &browser).unwrap_err().to_string(),
        format!(
            "OAuth login with {issuer} failed while waiting for the browser redirect: \
             Error response from auth endpoint: access_denied"
        )
    );
}

#[test]
fn discovery_failure_names_the_url() {
    let issuer = test_http::serve(Arc::new(|_: &Request| {
        Response::json("404 Not Found", "{}")
    }));
    let browser = Browser {
        opens: true,
        messages: Mutex::default(),
        code: None,
    };
    assert_eq!(
        run_login(&format!("{issuer}/"), false, &browser)
            .unwrap_err()
            .to_string(),
        format!(
            "OAuth login with {issuer}/ failed while discovering the OIDC configuration: \
             GET {issuer}/.well-known/openid-configuration: HTTP 404 Not Found"
        )
    );
}

#[test]
fn redirect_parsing() {
    assert_eq!(
        callback_query("GET /auth/callback?code=a&state=b HTTP/1.1\r\n\r\n").as_deref(),
        Some("code=a&state=b")
    );
    assert_eq!(callback_query("GET /favicon.ico HTTP/1.1\r\n\r\n"), None);
    assert_eq!(
        callback_query("POST /auth/callback?code=a HTTP/1.1\r\n\r\n"),
        None
    );
    assert_eq!(
        authorization_code("code=a%2Fb&state=s", "s").unwrap(),
        "a/b"
    );
    assert_eq!(
        authorization_code("code=a&state=t", "s").unwrap_err(),
        "OAuth state mismatch"
    );
    assert_eq!(
        authorization_code("error=access_denied&error_description=no+way&state=s", "s")
            .unwrap_err(),
        "Error response from auth endpoint: access_denied (no way)"
    );
    assert_eq!(
        authorization_code("state=s", "s").unwrap_err(),
        "the redirect carries no authorization code"
    );
}

#[test]
fn token_response_and_form_encoding() {
    assert_eq!(
        token_from_response(br#"{"access_token":"a","id_token":"i"}"#).unwrap(),
        "i"
    );
    assert_eq!(
        token_from_response(br#"{"access_token":"a"}"#).unwrap(),
        "a"
    );
    assert_eq!(
        token_from_response(br#"{"error":"invalid_grant"}"#).unwrap_err(),
        "Error response from token endpoint: \"invalid_grant\""
    );
    assert_eq!(
        form_urlencode(&[
            ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
            ("code", "a b/c")
        ]),
        "redirect_uri=urn%3Aietf%3Awg%3Aoauth%3A2.0%3Aoob&code=a+b%2Fc"
    );
    let pkce = Pkce::from_secret(&[0u8; 32], &[1u8; 16]);
    assert_eq!(pkce.verifier, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(
        pkce.challenge,
        URL_SAFE_NO_PAD.encode(Sha256::digest(pkce.verifier.as_bytes()))
    );
    assert_eq!(pkce.state, "01010101010101010101010101010101");
}

/// A browser that opens and is then abandoned: no redirect ever arrives.
struct AbandonedBrowser;

impl LoginPrompt for AbandonedBrowser {
    fn open_browser(&self, _url: &str) -> bool {
        true
    }
    fn notify(&self, _message: &str) {}
    fn read_code(&self) -> std::io::Result<String> {
        Ok(String::new())
    }
}

#[test]
fn abandoned_browser_login_times_out() {
    let (issuer, _) = provider(false, "x.y.z");
    let http = sigstore_sign::reqwest::Client::new();
    let client = OAuthClientId {
        issuer: &issuer,
        client_id: "sigstore",
        client_secret: "",
    };
    let timeout = std::time::Duration::from_millis(300);
    let err = runtime()
        .block_on(login(&http, client, false, timeout, &AbandonedBrowser))
        .unwrap_err();
    assert!(
        matches!(&err, SigningError::LoginTimeout { waited, .. } if *waited == timeout),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "OAuth login with {issuer} timed out: the browser did not complete the login \
             within 300ms"
        )
    );
    assert_eq!(DEFAULT_LOGIN_TIMEOUT.as_secs(), 300);
}
