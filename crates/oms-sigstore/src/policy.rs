//! Who may have signed: identity (SAN), OIDC issuer and optional GitHub Actions
//! workflow constraints, checked against the leaf certificate's claims.

use crate::certificate::CertificateClaims;
use crate::error::SigstoreError;

/// An exact string or an anchored regular expression (`--identity-regexp`).
#[derive(Debug, Clone)]
pub enum StringMatcher {
    /// Byte-for-byte equality, no case folding (like the reference).
    Exact(String),
    /// The whole value must match (the pattern is wrapped in `\A(?:…)\z`).
    Regex {
        /// The pattern as the user wrote it, for messages.
        pattern: String,
        /// The anchored, compiled form.
        regex: regex::Regex,
    },
}

impl StringMatcher {
    /// An exact matcher.
    pub fn exact(value: impl Into<String>) -> Self {
        Self::Exact(value.into())
    }

    /// A regex matcher that must match the whole value. `what` names the
    /// constraint in the error when the pattern does not compile.
    pub fn regex(what: &'static str, pattern: &str) -> Result<Self, SigstoreError> {
        let regex = regex::Regex::new(&format!(r"\A(?:{pattern})\z")).map_err(|e| {
            SigstoreError::InvalidPattern {
                what,
                pattern: pattern.to_owned(),
                reason: e.to_string(),
            }
        })?;
        Ok(Self::Regex {
            pattern: pattern.to_owned(),
            regex,
        })
    }

    /// Whether `value` satisfies this matcher.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(expected) => expected == value,
            Self::Regex { regex, .. } => regex.is_match(value),
        }
    }

    /// The string or pattern the user gave.
    pub fn expected(&self) -> &str {
        match self {
            Self::Exact(s) => s,
            Self::Regex { pattern, .. } => pattern,
        }
    }
}

/// The signer a keyless bundle must come from.
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    identity: StringMatcher,
    issuer: StringMatcher,
    github_workflow_repository: Option<String>,
    github_workflow_ref: Option<String>,
}

/// What the policy matched: the SAN and issuer that satisfied it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyMatch {
    /// The first SAN that matched the identity constraint.
    pub identity: String,
    /// The issuer value that matched.
    pub issuer: String,
}

impl IdentityPolicy {
    /// A policy from identity and issuer matchers.
    pub fn new(identity: StringMatcher, issuer: StringMatcher) -> Self {
        Self {
            identity,
            issuer,
            github_workflow_repository: None,
            github_workflow_ref: None,
        }
    }

    /// `--identity X --identity_provider Y`: both exact, like the reference.
    pub fn exact(identity: impl Into<String>, issuer: impl Into<String>) -> Self {
        Self::new(StringMatcher::exact(identity), StringMatcher::exact(issuer))
    }

    /// Also require the GitHub workflow repository (`owner/repo`, or the full
    /// `https://github.com/owner/repo` URI).
    pub fn with_github_workflow_repository(mut self, repository: impl Into<String>) -> Self {
        self.github_workflow_repository = Some(repository.into());
        self
    }

    /// Also require the GitHub workflow ref (e.g. `refs/heads/main`).
    pub fn with_github_workflow_ref(mut self, git_ref: impl Into<String>) -> Self {
        self.github_workflow_ref = Some(git_ref.into());
        self
    }

    /// The identity constraint.
    pub fn identity(&self) -> &StringMatcher {
        &self.identity
    }

    /// The issuer constraint.
    pub fn issuer(&self) -> &StringMatcher {
        &self.issuer
    }

    /// Checks the claims in the reference's order: issuer first, then SANs, then
    /// the GitHub constraints.
    pub fn check(&self, claims: &CertificateClaims) -> Result<PolicyMatch, SigstoreError> {
        let issuer = claims.issuer().ok_or(SigstoreError::IssuerMissing)?;
        if !self.issuer.matches(issuer) {
            return Err(SigstoreError::IssuerMismatch {
                expected: self.issuer.expected().to_owned(),
                actual: issuer.to_owned(),
            });
        }
        let identity = claims
            .sans
            .iter()
            .find(|san| self.identity.matches(san))
            .ok_or_else(|| SigstoreError::IdentityMismatch {
                expected: self.identity.expected().to_owned(),
                actual: claims.sans.clone(),
            })?;
        if let Some(expected) = &self.github_workflow_repository {
            check_repository(expected, claims)?;
        }
        if let Some(expected) = &self.github_workflow_ref {
            check_ref(expected, claims)?;
        }
        Ok(PolicyMatch {
            identity: identity.clone(),
            issuer: issuer.to_owned(),
        })
    }
}

const GITHUB_PREFIX: &str = "https://github.com/";

/// The v2 claim is a URI; the legacy one is `owner/repo`. Either spelling of the
/// expectation matches either form of the claim.
fn check_repository(expected: &str, claims: &CertificateClaims) -> Result<(), SigstoreError> {
    let want = expected.strip_prefix(GITHUB_PREFIX).unwrap_or(expected);
    let candidates = [
        claims.source_repository_uri.as_deref(),
        claims.github_workflow_repository.as_deref(),
    ];
    let found = candidates
        .iter()
        .flatten()
        .any(|got| got.strip_prefix(GITHUB_PREFIX).unwrap_or(got) == want);
    if found {
        return Ok(());
    }
    Err(SigstoreError::GitHubClaimMismatch {
        claim: "GitHub workflow repository",
        expected: expected.to_owned(),
        actual: candidates.into_iter().flatten().next().map(str::to_owned),
    })
}

fn check_ref(expected: &str, claims: &CertificateClaims) -> Result<(), SigstoreError> {
    let candidates = [
        claims.source_repository_ref.as_deref(),
        claims.github_workflow_ref.as_deref(),
    ];
    if candidates.iter().flatten().any(|got| *got == expected) {
        return Ok(());
    }
    Err(SigstoreError::GitHubClaimMismatch {
        claim: "GitHub workflow ref",
        expected: expected.to_owned(),
        actual: candidates.into_iter().flatten().next().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> CertificateClaims {
        CertificateClaims {
            sans: vec!["https://github.com/o/r/.github/workflows/s.yml@refs/heads/main".into()],
            issuer_v1: None,
            issuer_v2: Some("https://token.actions.githubusercontent.com".into()),
            source_repository_uri: Some("https://github.com/o/r".into()),
            source_repository_ref: Some("refs/heads/main".into()),
            github_workflow_repository: Some("o/r".into()),
            github_workflow_ref: Some("refs/heads/main".into()),
            digital_signature_usage: true,
            code_signing_usage: true,
            not_before: 0,
            not_after: 1,
        }
    }

    fn gh_policy() -> IdentityPolicy {
        IdentityPolicy::new(
            StringMatcher::regex("identity", r"https://github\.com/o/r/.*").unwrap(),
            StringMatcher::exact("https://token.actions.githubusercontent.com"),
        )
    }

    #[test]
    fn issuer_falls_back_to_v2_and_github_claims_match() {
        let m = gh_policy()
            .with_github_workflow_repository("o/r")
            .with_github_workflow_ref("refs/heads/main")
            .check(&claims())
            .unwrap();
        assert_eq!(m.issuer, "https://token.actions.githubusercontent.com");
        let full = gh_policy().with_github_workflow_repository("https://github.com/o/r");
        assert!(full.check(&claims()).is_ok());
    }

    #[test]
    fn v1_issuer_wins_over_v2() {
        let mut c = claims();
        c.issuer_v1 = Some("legacy".into());
        let err = gh_policy().check(&c).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Certificate's OIDCIssuer does not match (got 'legacy', expected \
             'https://token.actions.githubusercontent.com')"
        );
    }

    #[test]
    fn github_mismatches_name_the_claim() {
        let err = gh_policy()
            .with_github_workflow_repository("o/other")
            .check(&claims())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Certificate's GitHub workflow repository does not match (got 'https://github.com/o/r', \
             expected 'o/other')"
        );
        let mut c = claims();
        c.source_repository_ref = None;
        c.github_workflow_ref = None;
        let err = gh_policy()
            .with_github_workflow_ref("refs/heads/main")
            .check(&c)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Certificate's GitHub workflow ref does not match (got '<absent>', expected 'refs/heads/main')"
        );
    }

    #[test]
    fn legacy_only_claims_match() {
        let mut c = claims();
        c.source_repository_uri = None;
        c.source_repository_ref = None;
        let p = gh_policy()
            .with_github_workflow_repository("https://github.com/o/r")
            .with_github_workflow_ref("refs/heads/main");
        assert!(p.check(&c).is_ok());
    }

    #[test]
    fn regex_is_anchored() {
        let m = StringMatcher::regex("identity", "a.c").unwrap();
        assert!(m.matches("abc"));
        assert!(!m.matches("xabc"));
        assert!(!m.matches("abcx"));
        let alt = StringMatcher::regex("identity", "a|b").unwrap();
        assert!(!alt.matches("ab"));
    }

    #[test]
    fn bad_regex_is_a_typed_error() {
        let err = StringMatcher::regex("identity", "(").unwrap_err();
        assert!(matches!(
            err,
            SigstoreError::InvalidPattern { what: "identity", ref pattern, .. } if pattern == "("
        ));
    }

    #[test]
    fn missing_issuer() {
        let mut c = claims();
        c.issuer_v2 = None;
        assert!(matches!(
            gh_policy().check(&c).unwrap_err(),
            SigstoreError::IssuerMissing
        ));
    }
}
