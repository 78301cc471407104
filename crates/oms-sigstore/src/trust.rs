//! Trust material: which Fulcio CAs, Rekor logs, CT logs and TSAs to believe, and
//! (for signing) which services to use. Loaded from the embedded public-good or
//! staging snapshots, a `trusted_root.json`, or a ClientTrustConfig
//! (`--trust_config`). No network, no TUF.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sigstore_trust_root::{
    SigningConfig, SigstoreInstance, TrustedRoot, SIGNING_CONFIG_MEDIA_TYPE,
};

use crate::error::SigstoreError;

/// Where trust material comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustSource {
    /// The public-good production snapshot embedded in `sigstore-trust-root`.
    PublicGood,
    /// The public-good staging snapshot (`--use_staging`).
    Staging,
    /// A `trusted_root.json` file (no signing config).
    TrustedRootFile(PathBuf),
    /// A ClientTrustConfig JSON file (`--trust_config`): trusted root + signing config.
    ClientTrustConfigFile(PathBuf),
}

impl TrustSource {
    /// The trust source for signing: `use_staging` wins over a trust config, as in the
    /// reference (`--use_staging` picks the staging services whatever else is given).
    pub fn for_signing(use_staging: bool, trust_config: Option<&Path>) -> Self {
        match (use_staging, trust_config) {
            (true, _) => Self::Staging,
            (false, Some(path)) => Self::ClientTrustConfigFile(path.to_path_buf()),
            (false, None) => Self::PublicGood,
        }
    }

    /// The trust source for verifying: a trust config wins over `use_staging`, as in the
    /// reference (the opposite of [`TrustSource::for_signing`]).
    pub fn for_verifying(trust_config: Option<&Path>, use_staging: bool) -> Self {
        match (trust_config, use_staging) {
            (Some(path), _) => Self::ClientTrustConfigFile(path.to_path_buf()),
            (None, true) => Self::Staging,
            (None, false) => Self::PublicGood,
        }
    }
}

/// Media type of a ClientTrustConfig document.
pub const CLIENT_TRUST_CONFIG_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json";

/// Trusted-root media types we accept (v0.1 and the v0.2 spelling).
const TRUSTED_ROOT_MEDIA_TYPES: [&str; 2] = [
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
];

/// Loaded, checked trust material.
#[derive(Debug, Clone)]
pub struct TrustMaterial {
    root: TrustedRoot,
    signing_config: Option<SigningConfig>,
    origin: String,
}

impl TrustMaterial {
    /// Loads trust material from `source` (reads a file for the file variants).
    pub fn load(source: &TrustSource) -> Result<Self, SigstoreError> {
        match source {
            TrustSource::PublicGood => Self::embedded(SigstoreInstance::PublicGood, "public-good"),
            TrustSource::Staging => Self::embedded(SigstoreInstance::Staging, "staging"),
            TrustSource::TrustedRootFile(path) => {
                Self::from_trusted_root_json(&read(path)?, &path.display().to_string())
            }
            TrustSource::ClientTrustConfigFile(path) => {
                Self::from_client_trust_config_json(&read(path)?, &path.display().to_string())
            }
        }
    }

    fn embedded(instance: SigstoreInstance, name: &str) -> Result<Self, SigstoreError> {
        let origin = format!("embedded {name} trusted root");
        let mut material = Self::from_trusted_root_json(
            instance.embedded_trusted_root_json().as_bytes(),
            &origin,
        )?;
        if let Some(json) = instance.embedded_signing_config_json() {
            let value = parse_json(json.as_bytes(), &origin)?;
            material.signing_config = Some(signing_config(value, &origin, "signingConfig")?);
        }
        Ok(material)
    }

    /// Parses a `trusted_root.json` document. `origin` names it in errors.
    pub fn from_trusted_root_json(json: &[u8], origin: &str) -> Result<Self, SigstoreError> {
        let value = parse_json(json, origin)?;
        let root = trusted_root(value, origin, "")?;
        Ok(Self {
            root,
            signing_config: None,
            origin: origin.to_owned(),
        })
    }

    /// Parses a ClientTrustConfig document (`trustedRoot` + `signingConfig`;
    /// snake_case keys are accepted like protobuf JSON does).
    pub fn from_client_trust_config_json(json: &[u8], origin: &str) -> Result<Self, SigstoreError> {
        let Value::Object(mut top) = parse_json(json, origin)? else {
            return Err(format_error(origin, ".", "expected a JSON object"));
        };
        let media_type = top
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or("<absent>");
        if media_type != CLIENT_TRUST_CONFIG_MEDIA_TYPE {
            return Err(format_error(
                origin,
                "mediaType",
                &format!("expected `{CLIENT_TRUST_CONFIG_MEDIA_TYPE}`, found `{media_type}`"),
            ));
        }
        let root_value = top
            .remove("trustedRoot")
            .ok_or_else(|| format_error(origin, "trustedRoot", "missing"))?;
        let root = trusted_root(root_value, origin, "trustedRoot.")?;
        let signing_config = top
            .remove("signingConfig")
            .map(|v| signing_config(v, origin, "signingConfig"))
            .transpose()?;
        Ok(Self {
            root,
            signing_config,
            origin: origin.to_owned(),
        })
    }

    /// The trusted root (Fulcio CAs, Rekor and CT log keys, TSAs).
    pub fn trusted_root(&self) -> &TrustedRoot {
        &self.root
    }

    /// The signing config, when the source has one (embedded roots and
    /// ClientTrustConfig files do; a bare `trusted_root.json` does not).
    pub fn signing_config(&self) -> Option<&SigningConfig> {
        self.signing_config.as_ref()
    }

    /// Where the material came from (a path or `embedded … trusted root`).
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

fn read(path: &Path) -> Result<Vec<u8>, SigstoreError> {
    std::fs::read(path).map_err(|source| SigstoreError::TrustRead {
        path: path.to_owned(),
        source,
    })
}

fn format_error(origin: &str, field: &str, reason: &str) -> SigstoreError {
    SigstoreError::TrustFormat {
        origin: origin.to_owned(),
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Parses JSON and rewrites snake_case keys to lowerCamelCase: protobuf JSON
/// accepts both spellings of every field and the reference's example config uses
/// `signing_config`. Trust documents have no map-typed fields, so every key is a
/// field name and the rewrite is safe.
fn parse_json(json: &[u8], origin: &str) -> Result<Value, SigstoreError> {
    let value: Value =
        serde_json::from_slice(json).map_err(|e| format_error(origin, ".", &e.to_string()))?;
    camel_case_keys(value, origin, "")
}

fn camel_case_keys(value: Value, origin: &str, path: &str) -> Result<Value, SigstoreError> {
    match value {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, v) in map {
                let camel = to_camel(&key);
                let child = format!("{path}{camel}.");
                let v = camel_case_keys(v, origin, &child)?;
                if out.insert(camel.clone(), v).is_some() {
                    return Err(format_error(
                        origin,
                        &format!("{path}{camel}"),
                        "given twice (camelCase and snake_case)",
                    ));
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| camel_case_keys(v, origin, &format!("{path}[{i}].")))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

fn to_camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn typed<T: serde::de::DeserializeOwned>(
    value: Value,
    origin: &str,
    prefix: &str,
) -> Result<T, SigstoreError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            prefix.trim_end_matches('.').to_owned()
        } else {
            format!("{prefix}{path}")
        };
        let field = if field.is_empty() {
            ".".to_owned()
        } else {
            field
        };
        format_error(origin, &field, &e.into_inner().to_string())
    })
}

fn trusted_root(value: Value, origin: &str, prefix: &str) -> Result<TrustedRoot, SigstoreError> {
    let root: TrustedRoot = typed(value, origin, prefix)?;
    if !TRUSTED_ROOT_MEDIA_TYPES.contains(&root.media_type.as_str()) {
        return Err(format_error(
            origin,
            &format!("{prefix}mediaType"),
            &format!(
                "expected `{}`, found `{}`",
                TRUSTED_ROOT_MEDIA_TYPES[0], root.media_type
            ),
        ));
    }
    // Building a verifier parses every key and certificate: fail at load time,
    // naming the file, rather than at the first verification.
    sigstore_verify::Verifier::new(&root).map_err(|e| SigstoreError::TrustRootUnusable {
        origin: origin.to_owned(),
        detail: e.to_string(),
    })?;
    Ok(root)
}

fn signing_config(value: Value, origin: &str, field: &str) -> Result<SigningConfig, SigstoreError> {
    let config: SigningConfig = typed(value, origin, &format!("{field}."))?;
    if config.media_type != SIGNING_CONFIG_MEDIA_TYPE {
        return Err(format_error(
            origin,
            &format!("{field}.mediaType"),
            &format!(
                "expected `{SIGNING_CONFIG_MEDIA_TYPE}`, found `{}`",
                config.media_type
            ),
        ));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signing and verifying disagree on purpose when both flags are given, like the reference.
    #[test]
    fn trust_source_precedence() {
        let config = Path::new("trust.json");
        let file = TrustSource::ClientTrustConfigFile(config.to_path_buf());
        assert_eq!(
            TrustSource::for_signing(true, Some(config)),
            TrustSource::Staging
        );
        assert_eq!(TrustSource::for_signing(false, Some(config)), file);
        assert_eq!(
            TrustSource::for_signing(false, None),
            TrustSource::PublicGood
        );
        assert_eq!(TrustSource::for_verifying(Some(config), true), file);
        assert_eq!(TrustSource::for_verifying(None, true), TrustSource::Staging);
        assert_eq!(
            TrustSource::for_verifying(None, false),
            TrustSource::PublicGood
        );
    }

    #[test]
    fn snake_to_camel() {
        assert_eq!(to_camel("signing_config"), "signingConfig");
        assert_eq!(to_camel("major_api_version"), "majorApiVersion");
        assert_eq!(to_camel("mediaType"), "mediaType");
        assert_eq!(to_camel("_x"), "_x");
    }

    #[test]
    fn duplicate_spellings_are_rejected() {
        let json = br#"{"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json","trustedRoot":{},"trusted_root":{}}"#;
        let err = TrustMaterial::from_client_trust_config_json(json, "t.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid trust material t.json: field `trustedRoot`: given twice (camelCase and snake_case)"
        );
    }
}
