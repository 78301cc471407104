//! Verdicts from pod statuses, and the CR status they add up to. Pure: the clock is a parameter.

use k8s_openapi::api::core::v1::{ContainerStateTerminated, ContainerStatus, Pod};
use verifier_contract::{Outcome, Verdict};

use crate::crd::{ModelValidation, ModelValidationStatus, PodVerdict, StatusCondition};
use crate::injection::{self, Injection};
use crate::mutate::{decide_for, Decision};
use crate::scope::Policy;
use crate::settings::Settings;
use crate::{INJECTED_HASH_ANNOTATION, MODEL_LABEL, VERIFIER_CONTAINER};

/// How many verdicts the status lists (it must not grow with the number of pods).
pub const MAX_RECENT_VERDICTS: usize = 20;
/// The longest reason kept from a termination message.
const MAX_REASON_CHARS: usize = 256;

pub const VERIFIED: &str = "Verified";
pub const FAILED: &str = "Failed";
pub const PENDING: &str = "Pending";
pub const NOT_INJECTED: &str = "NotInjected";
/// Injected for an earlier spec of the CR (or an earlier verifier): its verdict no longer counts.
pub const STALE: &str = "Stale";
/// `mode: Audit`: admission under `Enforce` would refuse the pod (the reason says why).
pub const WOULD_REFUSE: &str = "WouldRefuse";
/// `mode: Audit`: the pod runs without verification (`Enforce` would inject the verifier).
pub const UNVERIFIED: &str = "Unverified";
/// The condition type the controller maintains.
pub const CONDITION: &str = "Verified";

/// One pod's verdict from its `model-validation` init container. Only the operator's own
/// injection for `mv`'s current spec, where the operator puts it, gives a verdict: a container
/// of that name the pod declared itself (say, labelled after creation) is `NotInjected`, one
/// injected for an earlier spec is `Stale`, whatever they exited with.
pub fn verdict_from_pod(pod: &Pod, mv: &ModelValidation, settings: &Settings) -> PodVerdict {
    verdict_for(pod, &Policy::namespaced(mv), settings)
}

/// [`verdict_from_pod`] for a policy of either kind.
pub fn verdict_for(pod: &Pod, policy: &Policy<'_>, settings: &Settings) -> PodVerdict {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let created = pod
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| t.0.to_string())
        .unwrap_or_default();
    let verdict = |result: &str, reason: String, time: String| PodVerdict {
        pod: name.clone(),
        uid: uid.clone(),
        result: result.to_owned(),
        reason,
        time,
    };
    let Some(verifier) = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.name == VERIFIER_CONTAINER))
    else {
        return verdict(
            NOT_INJECTED,
            "the pod has no model-validation init container".into(),
            created,
        );
    };
    if !is_current_injection(pod, policy, settings) {
        let recorded = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(INJECTED_HASH_ANNOTATION))
            .map(String::as_str);
        let same_as_current =
            injection::build_for(pod, policy, settings).is_ok_and(|i| i.is(verifier));
        return if Injection::is_earlier(verifier, recorded) && !same_as_current {
            verdict(
                STALE,
                "injected for an earlier spec of the ModelValidation or another verifier; \
                 recreate the pod to verify it under the current one"
                    .into(),
                created,
            )
        } else {
            verdict(
                NOT_INJECTED,
                "its model-validation init container is not the operator's injection, where the \
                 operator puts it"
                    .into(),
                created,
            )
        };
    }
    let status: Option<&ContainerStatus> = pod
        .status
        .as_ref()
        .and_then(|s| s.init_container_statuses.as_ref())
        .and_then(|ss| ss.iter().find(|s| s.name == VERIFIER_CONTAINER));
    let Some(status) = status else {
        return verdict(PENDING, "waiting for the verifier to run".into(), created);
    };
    let current = status.state.as_ref();
    let terminated = |t: &ContainerStateTerminated| {
        let time = t
            .finished_at
            .as_ref()
            .map(|t| t.0.to_string())
            .unwrap_or_else(|| created.clone());
        let (result, reason) = outcome(t);
        verdict(result, reason, time)
    };
    if let Some(t) = current.and_then(|s| s.terminated.as_ref()) {
        return terminated(t);
    }
    // Restarting after a failure (Init:CrashLoopBackOff): the last run's verdict stands.
    if let Some(t) = status
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .filter(|t| t.exit_code != 0)
    {
        return terminated(t);
    }
    let reason = match current {
        Some(s) if s.running.is_some() => "verifying".to_owned(),
        Some(s) => s
            .waiting
            .as_ref()
            .and_then(|w| w.reason.clone())
            .unwrap_or_else(|| "waiting".into()),
        None => "waiting".into(),
    };
    verdict(PENDING, reason, created)
}

/// Whether admission would leave `pod` exactly as it is: the verifier is the injection for
/// `mv`'s current spec, in its place, with the model read-only after it. Ephemeral containers
/// arrive after admission (the UPDATE webhook rules them) and are left out.
fn is_current_injection(pod: &Pod, policy: &Policy<'_>, settings: &Settings) -> bool {
    let mut admitted = pod.clone();
    if let Some(spec) = admitted.spec.as_mut() {
        spec.ephemeral_containers = None;
    }
    matches!(decide_for(&admitted, policy, settings), Decision::Allow(_))
}

/// The result and reason of a verifier that terminated: its typed [`Verdict`] when the
/// termination message holds one (and the exit code agrees with it); else, when the verifier stopped before writing one (Kubernetes then
/// keeps the end of its log), the exit code, with the last log line as the reason.
fn outcome(t: &ContainerStateTerminated) -> (&'static str, String) {
    let message = t.message.as_deref().unwrap_or_default().trim();
    let Ok(written) = Verdict::parse(message) else {
        return if t.exit_code == 0 {
            (VERIFIED, "Verification succeeded".into())
        } else {
            (FAILED, failure_reason(t))
        };
    };
    match (written.result, t.exit_code) {
        (Outcome::Verified, 0) => (VERIFIED, "Verification succeeded".into()),
        (Outcome::Verified, code) => (
            FAILED,
            format!("the verifier wrote a verified verdict but exited with code {code}"),
        ),
        // `mode: Warn` (`--report-only`): the verifier failed and let the pod start.
        (Outcome::Failed, 0) => {
            let reason = format!("pod started anyway (Warn): {}", verdict_reason(&written, 0));
            (FAILED, reason.chars().take(MAX_REASON_CHARS).collect())
        }
        (Outcome::Failed, code) => (FAILED, verdict_reason(&written, code)),
    }
}

/// A failed verdict's reasons on one line, with how many differences it did not list.
fn verdict_reason(verdict: &Verdict, exit_code: i32) -> String {
    if verdict.reasons.is_empty() {
        return format!("the verifier exited with code {exit_code}");
    }
    let counts = verdict.counts;
    let differences = counts.added + counts.missing + counts.changed;
    let mut reason = verdict.reasons.join(", ");
    let more = differences.saturating_sub(verdict.reasons.len());
    if more > 0 {
        reason.push_str(&format!(" and {more} more"));
    }
    reason.chars().take(MAX_REASON_CHARS).collect()
}

/// The reason a failed verifier gave: its one-line termination message without the
/// `Verification failed:` prefix, else the last line of its log, else the exit code.
fn failure_reason(t: &ContainerStateTerminated) -> String {
    let message = t.message.as_deref().unwrap_or_default();
    let line = message
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or_default();
    let reason = line
        .strip_prefix("Verification failed with error:")
        .or_else(|| line.strip_prefix("Verification failed:"))
        .unwrap_or(line)
        .trim();
    if reason.is_empty() {
        return format!("the verifier exited with code {}", t.exit_code);
    }
    reason.chars().take(MAX_REASON_CHARS).collect()
}

/// Verdicts of all pods, newest first (ties by pod name, so the order is stable).
pub fn verdicts_from_pods<'a>(
    pods: impl IntoIterator<Item = &'a Pod>,
    mv: &ModelValidation,
    settings: &Settings,
) -> Vec<PodVerdict> {
    let mut verdicts: Vec<PodVerdict> = pods
        .into_iter()
        .map(|p| verdict_from_pod(p, mv, settings))
        .collect();
    verdicts.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.pod.cmp(&b.pod)));
    verdicts
}

/// The CR status for these verdicts at time `now` (RFC 3339). The condition keeps its
/// `lastTransitionTime` while its status does not change.
pub fn build_status(
    mv: &ModelValidation,
    verdicts: &[PodVerdict],
    now: &str,
) -> ModelValidationStatus {
    let count = |r: &str| {
        i32::try_from(verdicts.iter().filter(|v| v.result == r).count()).unwrap_or(i32::MAX)
    };
    let (verified, failed, pending, uninjected, stale) = (
        count(VERIFIED),
        count(FAILED),
        count(PENDING),
        count(NOT_INJECTED),
        count(STALE),
    );
    let (would_refuse, unverified) = (count(WOULD_REFUSE), count(UNVERIFIED));
    let name = mv.metadata.name.as_deref().unwrap_or_default();
    let first = |r: &str| verdicts.iter().find(|v| v.result == r);
    let (status, reason, message) = if let Some(v) = first(FAILED) {
        (
            "False",
            "VerificationFailed",
            format!(
                "{failed} pod(s) failed verification; latest: {}: {}",
                v.pod, v.reason
            ),
        )
    } else if let Some(v) = first(WOULD_REFUSE) {
        (
            "False",
            "WouldRefuse",
            format!(
                "Audit: {would_refuse} pod(s) in scope would be refused at admission under \
                 Enforce; e.g. {}: {}",
                v.pod, v.reason
            ),
        )
    } else if let Some(v) = first(NOT_INJECTED) {
        (
            "False",
            "PodsNotVerified",
            format!(
                "{uninjected} labelled pod(s) run without the verifier, e.g. {}",
                v.pod
            ),
        )
    } else if let Some(v) = first(STALE) {
        (
            "False",
            "PodsStale",
            format!(
                "{stale} pod(s) were verified under an earlier spec, e.g. {}",
                v.pod
            ),
        )
    } else if let Some(v) = first(UNVERIFIED) {
        (
            "False",
            "Unverified",
            format!(
                "Audit: {unverified} pod(s) in scope run without verification, e.g. {}",
                v.pod
            ),
        )
    } else if pending > 0 {
        (
            "Unknown",
            "Pending",
            format!("{pending} pod(s) waiting for verification"),
        )
    } else if verified > 0 {
        ("True", "AllVerified", format!("{verified} pod(s) verified"))
    } else {
        (
            "Unknown",
            "NoPods",
            format!("no pods carry the label {MODEL_LABEL}={name}"),
        )
    };
    let previous = mv
        .status
        .as_ref()
        .and_then(|s| s.conditions.iter().find(|c| c.type_ == CONDITION));
    let last_transition_time = match previous {
        Some(p) if p.status == status => p.last_transition_time.clone(),
        _ => now.to_owned(),
    };
    let method = mv.spec.config.method().ok().map(|m| m.name().to_owned());
    let mut conditions = vec![StatusCondition {
        type_: CONDITION.to_owned(),
        status: status.to_owned(),
        reason: reason.to_owned(),
        message,
        last_transition_time,
        observed_generation: mv.metadata.generation,
    }];
    if mv.spec.trust_from_pod_volumes == Some(true) {
        conditions.push(trust_warning(mv, now));
    }
    ModelValidationStatus {
        conditions,
        observed_generation: mv.metadata.generation,
        auth_method: Some(method.unwrap_or_else(|| "unknown".to_owned())),
        verified_pods: verified,
        failed_pods: failed,
        pending_pods: pending,
        uninjected_pods: uninjected,
        stale_pods: stale,
        would_refuse_pods: would_refuse,
        unverified_pods: unverified,
        recent_verdicts: verdicts.iter().take(MAX_RECENT_VERDICTS).cloned().collect(),
    }
}

/// The warning the CR carries while it lets pods choose their trust anchor.
fn trust_warning(mv: &ModelValidation, now: &str) -> StatusCondition {
    let previous = mv
        .status
        .as_ref()
        .and_then(|s| s.conditions.iter().find(|c| c.type_ == TRUST_CONDITION));
    StatusCondition {
        type_: TRUST_CONDITION.to_owned(),
        status: "True".to_owned(),
        reason: "PodChosenTrustAnchor".to_owned(),
        message: "spec.trustFromPodVolumes is true: a path-based key, CA or trust config is read \
                  from a volume the pod's author declares; use keyRef, caRef or trustConfigRef"
            .to_owned(),
        last_transition_time: previous
            .map(|p| p.last_transition_time.clone())
            .unwrap_or_else(|| now.to_owned()),
        observed_generation: mv.metadata.generation,
    }
}

/// The warning condition's type.
pub const TRUST_CONDITION: &str = "TrustFromPodVolumes";

/// Verdicts that are final (verified, failed or stale) and not yet in the previous status with the
/// same result: the ones to announce with an Event and count in the metrics.
pub fn new_final_verdicts<'a>(
    previous: Option<&ModelValidationStatus>,
    verdicts: &'a [PodVerdict],
) -> Vec<&'a PodVerdict> {
    let seen = |v: &PodVerdict| {
        previous.is_some_and(|p| {
            p.recent_verdicts
                .iter()
                .any(|old| old.uid == v.uid && old.result == v.result && old.reason == v.reason)
        })
    };
    verdicts
        .iter()
        .take(MAX_RECENT_VERDICTS)
        .filter(|v| [VERIFIED, FAILED, STALE, WOULD_REFUSE].contains(&v.result.as_str()))
        .filter(|v| !seen(v))
        .collect()
}

#[cfg(test)]
mod tests {
    use verifier_contract::Counts;

    use super::*;

    fn terminated(exit_code: i32, message: &str) -> ContainerStateTerminated {
        ContainerStateTerminated {
            exit_code,
            message: Some(message.to_owned()),
            ..ContainerStateTerminated::default()
        }
    }

    /// The controller reads the verifier's typed verdict, not its English: a verdict whose
    /// reasons say "succeeded" is still a failure, the reasons list what differed, and a
    /// verified verdict needs exit code 0.
    #[test]
    fn a_typed_verdict_decides_with_the_exit_code() {
        let failed = Verdict::failed(
            Counts {
                changed: 7,
                ..Counts::default()
            },
            vec!["Verification succeeded".into(), "b changed".into()],
            Some("hash".into()),
        );
        assert_eq!(
            outcome(&terminated(1, &failed.to_json())),
            (
                FAILED,
                "Verification succeeded, b changed and 5 more".to_owned()
            )
        );
        assert_eq!(outcome(&terminated(0, &failed.to_json())).0, FAILED);
        let verified = Verdict::verified(None).to_json();
        assert_eq!(
            outcome(&terminated(0, &verified)),
            (VERIFIED, "Verification succeeded".to_owned())
        );
        assert_eq!(
            outcome(&terminated(2, &verified)),
            (
                FAILED,
                "the verifier wrote a verified verdict but exited with code 2".to_owned()
            )
        );
    }

    /// A verifier that stopped before writing its verdict: Kubernetes keeps the end of its log.
    #[test]
    fn without_a_verdict_the_exit_code_and_the_last_log_line_decide() {
        assert_eq!(
            outcome(&terminated(2, "error: unexpected argument '--x'\n")),
            (FAILED, "error: unexpected argument '--x'".to_owned())
        );
    }
}
