//! The ClientTrustConfig that points clients at the harness: trusted root
//! (Fulcio CA, CT log, Rekor v1 and v2 keys, TSA chain) and signing config
//! v0.2 with loopback URLs.

use crate::pki::PublicKeyInfo;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use std::time::SystemTime;

/// Media type of a client trust config.
pub const CLIENT_TRUST_CONFIG_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json";
/// Media type of a trusted root.
pub const TRUSTED_ROOT_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// Media type of a signing config.
pub const SIGNING_CONFIG_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.signingconfig.v0.2+json";
/// The operator named in every service entry.
pub const OPERATOR: &str = "sigstore.harness";

/// Base URLs of the running services.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Urls {
    /// OIDC issuer (also the `iss` of minted tokens).
    pub oidc: String,
    /// Fulcio base URL.
    pub fulcio: String,
    /// Rekor v1 base URL.
    pub rekor_v1: String,
    /// Rekor v2 base URL.
    pub rekor_v2: String,
    /// Full TSA endpoint URL (`…/api/v1/timestamp`).
    pub tsa: String,
}

/// RFC 3339 UTC with second precision.
pub fn rfc3339(at: SystemTime) -> String {
    match der::DateTime::from_system_time(at) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minutes(),
            t.seconds()
        ),
        Err(_) => "1970-01-01T00:00:00Z".to_string(),
    }
}

/// The key material the trusted root publishes.
pub struct TrustMaterial {
    /// Fulcio chain, intermediate first.
    pub fulcio_chain: Vec<Vec<u8>>,
    /// CT log key.
    pub ct_log: PublicKeyInfo,
    /// Rekor v1 log key.
    pub rekor_v1: PublicKeyInfo,
    /// Rekor v2 log key.
    pub rekor_v2: PublicKeyInfo,
    /// TSA chain, leaf first.
    pub tsa_chain: Vec<Vec<u8>>,
    /// Start of every validity window.
    pub valid_from: SystemTime,
}

fn log_instance(base_url: &str, key: &PublicKeyInfo, start: &str) -> Value {
    json!({
        "baseUrl": base_url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {
            "rawBytes": STANDARD.encode(&key.spki_der),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": {"start": start},
        },
        "logId": {"keyId": STANDARD.encode(key.key_id)},
    })
}

fn chain(certs: &[Vec<u8>]) -> Value {
    json!({"certificates": certs.iter().map(|c| json!({"rawBytes": STANDARD.encode(c)})).collect::<Vec<_>>()})
}

/// The trusted root JSON object.
pub fn trusted_root(urls: &Urls, material: &TrustMaterial) -> Value {
    let start = rfc3339(material.valid_from);
    json!({
        "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
        "tlogs": [
            log_instance(&urls.rekor_v1, &material.rekor_v1, &start),
            log_instance(&urls.rekor_v2, &material.rekor_v2, &start),
        ],
        "certificateAuthorities": [{
            "subject": {"organization": "sigstore.harness", "commonName": "sigstore-harness"},
            "uri": urls.fulcio,
            "certChain": chain(&material.fulcio_chain),
            "validFor": {"start": start},
        }],
        "ctlogs": [log_instance(&format!("{}/ct", urls.fulcio), &material.ct_log, &start)],
        "timestampAuthorities": [{
            "subject": {"organization": "sigstore.harness", "commonName": "sigstore-harness-tsa"},
            "uri": urls.tsa,
            "certChain": chain(&material.tsa_chain),
            "validFor": {"start": start},
        }],
    })
}

fn service(url: &str, major: u32, start: &str) -> Value {
    json!({"url": url, "majorApiVersion": major, "validFor": {"start": start}, "operator": OPERATOR})
}

/// The signing config JSON object selecting Rekor `rekor_major` (1 or 2;
/// anything else is treated as 1).
pub fn signing_config(urls: &Urls, rekor_major: u32, valid_from: SystemTime) -> Value {
    let start = rfc3339(valid_from);
    let rekor = if rekor_major == 2 {
        service(&urls.rekor_v2, 2, &start)
    } else {
        service(&urls.rekor_v1, 1, &start)
    };
    json!({
        "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
        "caUrls": [service(&urls.fulcio, 1, &start)],
        "oidcUrls": [service(&urls.oidc, 1, &start)],
        "rekorTlogUrls": [rekor],
        "tsaUrls": [service(&urls.tsa, 1, &start)],
        "rekorTlogConfig": {"selector": "ANY"},
        "tsaConfig": {"selector": "ANY"},
    })
}

/// The complete client trust config.
pub fn client_trust_config(urls: &Urls, material: &TrustMaterial, rekor_major: u32) -> Value {
    json!({
        "mediaType": CLIENT_TRUST_CONFIG_MEDIA_TYPE,
        "trustedRoot": trusted_root(urls, material),
        "signingConfig": signing_config(urls, rekor_major, material.valid_from),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_formats_utc_seconds() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(rfc3339(at), "2023-11-14T22:13:20Z");
    }
}
