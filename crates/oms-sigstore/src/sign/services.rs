//! Which Fulcio, Rekor, TSAs and OIDC provider to use, picked from a signing
//! config the way sigstore-python 4.x does (`SigningConfig._get_valid_services`):
//! keep endpoints whose API version we speak and whose `validFor` covers now,
//! keep one per operator (its highest version; the later entry on a tie), then
//! apply the selector (`ALL` keeps every operator, `EXACT` the first `count`,
//! anything else the first one). Signing uses the first Rekor and every
//! selected TSA.

use jiff::Timestamp;
use sigstore_trust_root::{ServiceConfiguration, ServiceEndpoint, ServiceSelector, SigningConfig};

use super::error::SigningError;

const REKOR_VERSIONS: &[u32] = &[1, 2];
const TSA_VERSIONS: &[u32] = &[1];
const FULCIO_VERSIONS: &[u32] = &[1];
const OIDC_VERSIONS: &[u32] = &[1];

/// The Rekor log to submit to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorService {
    /// Base URL.
    pub url: String,
    /// 1 (`dsse` 0.0.1 entries) or 2 (`hashedrekord` 0.0.2 entries).
    pub major_api_version: u32,
}

/// The services one signature goes through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedServices {
    /// Fulcio base URL.
    pub fulcio_url: String,
    /// The transparency log.
    pub rekor: RekorService,
    /// Timestamp authority URLs, in order; may be empty for Rekor v1.
    pub tsa_urls: Vec<String>,
    /// The first valid OIDC provider, the default issuer for the interactive login.
    pub oidc_url: Option<String>,
}

/// Picks the services from `config` as of `now`. `origin` names the config in errors.
pub fn select_services(
    config: &SigningConfig,
    now: Timestamp,
    origin: &str,
) -> Result<SelectedServices, SigningError> {
    let no_service = |service, supported| SigningError::NoService {
        service,
        origin: origin.to_owned(),
        supported,
    };
    let rekor = valid_services(
        &config.rekor_tlog_urls,
        REKOR_VERSIONS,
        Some((&config.rekor_tlog_config, "rekorTlogConfig")),
        now,
        origin,
    )?
    .into_iter()
    .next()
    .map(|e| RekorService {
        url: e.url.clone(),
        major_api_version: e.major_api_version,
    })
    .ok_or_else(|| no_service("Rekor transparency log", "1, 2"))?;
    let tsa_urls: Vec<String> = valid_services(
        &config.tsa_urls,
        TSA_VERSIONS,
        Some((&config.tsa_config, "tsaConfig")),
        now,
        origin,
    )?
    .into_iter()
    .map(|e| e.url.clone())
    .collect();
    let fulcio_url = valid_services(&config.ca_urls, FULCIO_VERSIONS, None, now, origin)?
        .into_iter()
        .next()
        .map(|e| e.url.clone())
        .ok_or_else(|| no_service("Fulcio CA", "1"))?;
    let oidc_url = valid_services(&config.oidc_urls, OIDC_VERSIONS, None, now, origin)?
        .into_iter()
        .next()
        .map(|e| e.url.clone());
    if rekor.major_api_version == 2 && tsa_urls.is_empty() {
        return Err(SigningError::RekorV2WithoutTimestampAuthority {
            origin: origin.to_owned(),
            url: rekor.url,
        });
    }
    Ok(SelectedServices {
        fulcio_url,
        rekor,
        tsa_urls,
        oidc_url,
    })
}

fn valid_services<'a>(
    services: &'a [ServiceEndpoint],
    supported: &[u32],
    config: Option<(&ServiceConfiguration, &'static str)>,
    now: Timestamp,
    origin: &str,
) -> Result<Vec<&'a ServiceEndpoint>, SigningError> {
    // One slot per operator, in order of first appearance.
    let mut per_operator: Vec<(Option<&str>, &ServiceEndpoint)> = Vec::new();
    for service in services {
        if !supported.contains(&service.major_api_version) || !service.valid_for.contains(now) {
            continue;
        }
        let operator = service.operator.as_deref();
        match per_operator.iter_mut().find(|(op, _)| *op == operator) {
            // `>=`: Python sorts stably by version and takes the last.
            Some(slot) if service.major_api_version >= slot.1.major_api_version => {
                slot.1 = service;
            }
            Some(_) => {}
            None => per_operator.push((operator, service)),
        }
    }
    let result: Vec<&ServiceEndpoint> = per_operator.into_iter().map(|(_, s)| s).collect();
    let Some((config, name)) = config else {
        return Ok(result);
    };
    let count = match config.selector {
        ServiceSelector::All => return Ok(result),
        ServiceSelector::Exact => match config.count {
            Some(0) | None => 1,
            Some(n) => n,
        },
        _ => 1,
    };
    if config.selector == ServiceSelector::Exact && result.len() < count as usize {
        return Err(SigningError::SelectorUnsatisfiable {
            service: name,
            origin: origin.to_owned(),
            count,
            found: result.len(),
        });
    }
    Ok(result.into_iter().take(count as usize).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn service(url: &str, major: u32, operator: &str, start: &str, end: Option<&str>) -> String {
        let end = end.map(|e| format!(r#","end":"{e}""#)).unwrap_or_default();
        format!(
            r#"{{"url":"{url}","majorApiVersion":{major},"validFor":{{"start":"{start}"{end}}},"operator":"{operator}"}}"#
        )
    }

    fn config(
        ca: &[String],
        rekor: &[String],
        tsa: &[String],
        oidc: &[String],
        extra: &str,
    ) -> SigningConfig {
        let json = format!(
            r#"{{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
               "caUrls":[{}],"rekorTlogUrls":[{}],"tsaUrls":[{}],"oidcUrls":[{}]{extra}}}"#,
            ca.join(","),
            rekor.join(","),
            tsa.join(","),
            oidc.join(",")
        );
        SigningConfig::from_json(&json).unwrap()
    }

    const PAST: &str = "2020-01-01T00:00:00Z";

    #[test]
    fn picks_highest_version_per_operator_and_first_operator() {
        let c = config(
            &[service("https://fulcio", 1, "a", PAST, None)],
            &[
                service("https://rekor-a-v1", 1, "a", PAST, None),
                service("https://rekor-a-v2", 2, "a", PAST, None),
                service("https://rekor-b-v1", 1, "b", PAST, None),
            ],
            &[service("https://tsa", 1, "a", PAST, None)],
            &[service("https://oauth", 1, "a", PAST, None)],
            r#","rekorTlogConfig":{"selector":"ANY"},"tsaConfig":{"selector":"ANY"}"#,
        );
        let s = select_services(&c, now(), "cfg").unwrap();
        assert_eq!(
            s,
            SelectedServices {
                fulcio_url: "https://fulcio".into(),
                rekor: RekorService {
                    url: "https://rekor-a-v2".into(),
                    major_api_version: 2
                },
                tsa_urls: vec!["https://tsa".into()],
                oidc_url: Some("https://oauth".into()),
            }
        );
    }

    #[test]
    fn expired_and_future_and_unsupported_endpoints_are_skipped() {
        let c = config(
            &[
                service(
                    "https://fulcio-old",
                    1,
                    "a",
                    PAST,
                    Some("2021-01-01T00:00:00Z"),
                ),
                service("https://fulcio-v2", 2, "a", PAST, None),
                service("https://fulcio", 1, "a", PAST, None),
            ],
            &[
                service("https://rekor-v3", 3, "a", PAST, None),
                service("https://rekor-future", 2, "a", "2030-01-01T00:00:00Z", None),
                service("https://rekor", 1, "a", PAST, None),
            ],
            &[],
            &[],
            "",
        );
        let s = select_services(&c, now(), "cfg").unwrap();
        assert_eq!(s.fulcio_url, "https://fulcio");
        assert_eq!(
            s.rekor,
            RekorService {
                url: "https://rekor".into(),
                major_api_version: 1
            }
        );
        assert!(s.tsa_urls.is_empty());
        assert_eq!(s.oidc_url, None);
    }

    #[test]
    fn all_selector_keeps_one_tsa_per_operator() {
        let tsas = [
            service("https://tsa-a", 1, "a", PAST, None),
            service("https://tsa-b", 1, "b", PAST, None),
            service("https://tsa-a2", 1, "a", PAST, None),
        ];
        let rekor = [service("https://rekor", 1, "a", PAST, None)];
        let ca = [service("https://fulcio", 1, "a", PAST, None)];
        let all = config(
            &ca,
            &rekor,
            &tsas,
            &[],
            r#","tsaConfig":{"selector":"ALL"}"#,
        );
        // Same version within operator `a`: the later entry wins, like Python.
        assert_eq!(
            select_services(&all, now(), "cfg").unwrap().tsa_urls,
            ["https://tsa-a2", "https://tsa-b"]
        );
        let exact = config(
            &ca,
            &rekor,
            &tsas,
            &[],
            r#","tsaConfig":{"selector":"EXACT","count":2}"#,
        );
        assert_eq!(
            select_services(&exact, now(), "cfg")
                .unwrap()
                .tsa_urls
                .len(),
            2
        );
        let any = config(
            &ca,
            &rekor,
            &tsas,
            &[],
            r#","tsaConfig":{"selector":"ANY"}"#,
        );
        assert_eq!(
            select_services(&any, now(), "cfg").unwrap().tsa_urls,
            ["https://tsa-a2"]
        );
        let too_many = config(
            &ca,
            &rekor,
            &tsas,
            &[],
            r#","tsaConfig":{"selector":"EXACT","count":3}"#,
        );
        assert_eq!(
            select_services(&too_many, now(), "cfg")
                .unwrap_err()
                .to_string(),
            "tsaConfig selector in signing config cfg: expected 3 services, found 2"
        );
    }

    #[test]
    fn missing_services_are_named() {
        let ca = [service("https://fulcio", 1, "a", PAST, None)];
        let rekor = [service("https://rekor", 1, "a", PAST, None)];
        let no_rekor = config(&ca, &[], &[], &[], "");
        assert_eq!(
            select_services(&no_rekor, now(), "t.json").unwrap_err().to_string(),
            "No valid Rekor transparency log found in signing config t.json (supported majorApiVersion: 1, 2)"
        );
        let no_ca = config(&[], &rekor, &[], &[], "");
        assert_eq!(
            select_services(&no_ca, now(), "t.json")
                .unwrap_err()
                .to_string(),
            "No valid Fulcio CA found in signing config t.json (supported majorApiVersion: 1)"
        );
    }

    #[test]
    fn rekor_v2_needs_a_timestamp_authority() {
        let c = config(
            &[service("https://fulcio", 1, "a", PAST, None)],
            &[service("https://rekor2", 2, "a", PAST, None)],
            &[],
            &[],
            "",
        );
        assert!(matches!(
            select_services(&c, now(), "cfg"),
            Err(SigningError::RekorV2WithoutTimestampAuthority { url, .. }) if url == "https://rekor2"
        ));
    }

    #[test]
    fn embedded_configs_select_their_services() {
        for instance in [
            sigstore_trust_root::SigstoreInstance::PublicGood,
            sigstore_trust_root::SigstoreInstance::Staging,
        ] {
            let json = instance.embedded_signing_config_json().unwrap();
            let c = SigningConfig::from_json(json).unwrap();
            let s = select_services(&c, Timestamp::now(), "embedded").unwrap();
            assert!(
                s.fulcio_url.starts_with("https://fulcio."),
                "{}",
                s.fulcio_url
            );
            assert!(s.oidc_url.is_some());
        }
    }
}
