//! AdmissionReview in, AdmissionReview out, around [`crate::mutate::decide`]. Anything that
//! is not a well-formed v1 review of a core/v1 Pod gets an error, never a silent allow.

use k8s_openapi::api::core::v1::Pod;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview, Operation};
use kube::core::DynamicObject;

use crate::mutate::Decision;
use crate::MODEL_LABEL;

/// Reviews larger than this are refused (a pod is at most ~1.5 MiB in etcd; a CREATE review
/// carries one object).
pub const MAX_REVIEW_BYTES: usize = 3 * 1024 * 1024;

/// Reviews with more JSON values than this are refused before they are parsed: parsing costs
/// memory per value (a 3 MiB review of a million empty strings took ~90 MiB), not per byte. A
/// pod with 100 containers of 100 environment variables each holds about 50,000 values
/// (bench/OPERATOR.md has the measured peak).
pub const MAX_REVIEW_VALUES: usize = 100_000;

/// How many JSON values (scalars, arrays, objects; object keys not counted) `body` holds,
/// counting no further than `cap + 1`. Not a validator: malformed input is the parser's job.
pub fn count_json_values(body: &[u8], cap: usize) -> usize {
    let mut count = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    // After `{` or `,` inside an object the next string is a key; a stack of "in object".
    let mut objects: Vec<bool> = Vec::new();
    let mut expect_key = false;
    let mut in_scalar = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        let scalar_byte = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.');
        if scalar_byte {
            if !in_scalar {
                in_scalar = true;
                count += 1;
            }
            continue;
        }
        in_scalar = false;
        match b {
            b'"' => {
                in_string = true;
                if expect_key {
                    expect_key = false;
                } else {
                    count += 1;
                }
            }
            b'{' => {
                count += 1;
                objects.push(true);
                expect_key = true;
            }
            b'[' => {
                count += 1;
                objects.push(false);
            }
            b'}' | b']' => {
                objects.pop();
            }
            b',' => expect_key = objects.last() == Some(&true),
            _ => {}
        }
        if count > cap {
            break;
        }
    }
    count
}

/// What the handler must do with a parsed request.
#[derive(Debug)]
pub enum Action {
    /// Answer now (not a pod CREATE).
    Respond(Box<AdmissionResponse>),
    /// Look up the CR `cr_name` (the pod's label, if any) in `namespace` and the policies
    /// that may select the pod, and decide.
    Decide {
        pod: Box<Pod>,
        namespace: String,
        cr_name: Option<String>,
    },
}

/// Parses a review body. `Err` means no uid could be read: answer with HTTP 400, which the API
/// server treats as a failed call (and, with `failurePolicy: Fail`, refuses the pod).
pub fn parse(body: &[u8]) -> Result<AdmissionRequest<DynamicObject>, String> {
    if body.len() > MAX_REVIEW_BYTES {
        return Err(format!(
            "AdmissionReview of {} bytes exceeds the limit of {MAX_REVIEW_BYTES} bytes",
            body.len()
        ));
    }
    let values = count_json_values(body, MAX_REVIEW_VALUES);
    if values > MAX_REVIEW_VALUES {
        return Err(format!(
            "AdmissionReview holds more than {MAX_REVIEW_VALUES} JSON values; no pod is that large"
        ));
    }
    let review: AdmissionReview<DynamicObject> = serde_json::from_slice(body)
        .map_err(|e| format!("expected an admission.k8s.io/v1 AdmissionReview: {e}"))?;
    if review.types.api_version != "admission.k8s.io/v1" || review.types.kind != "AdmissionReview" {
        return Err(format!(
            "expected apiVersion admission.k8s.io/v1 kind AdmissionReview, found {} {}",
            review.types.api_version, review.types.kind
        ));
    }
    review
        .try_into()
        .map_err(|_| "the AdmissionReview has no request".to_owned())
}

/// Sorts a request: pod CREATEs go on to a decision; UPDATEs of pods and of their ephemeral
/// containers are judged at once (the label, writable mounts of the model); other operations
/// and subresources are allowed (deletion, status, finalizers are never blocked); other kinds
/// and broken objects are refused.
pub fn classify(req: &AdmissionRequest<DynamicObject>) -> Action {
    let kind = &req.kind;
    if !kind.group.is_empty() || kind.version != "v1" || kind.kind != "Pod" {
        return Action::Respond(Box::new(refuse(
            req,
            400,
            format!(
                "this webhook admits core/v1 Pods, found {}/{} {}",
                kind.group, kind.version, kind.kind
            ),
        )));
    }
    let sub_resource = req.sub_resource.as_deref().unwrap_or_default();
    match (&req.operation, sub_resource) {
        (Operation::Create, "") => {}
        (Operation::Update, "" | "ephemeralcontainers") => {
            return Action::Respond(Box::new(review_update(req)));
        }
        // Deletion, status, binding, eviction, exec: never blocked.
        _ => return Action::Respond(Box::new(allow(req, None))),
    }
    let mut pod = match pod_of(req.object.as_ref(), "CREATE", "object") {
        Ok(pod) => pod,
        Err(message) => return Action::Respond(Box::new(refuse(req, 400, message))),
    };
    let namespace = req
        .namespace
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| pod.metadata.namespace.clone())
        .unwrap_or_else(|| "default".to_owned());
    // The request's namespace is authoritative (generateName pods may not carry one yet).
    pod.metadata.namespace = Some(namespace.clone());
    let cr_name = pod
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(MODEL_LABEL))
        .cloned();
    Action::Decide {
        pod: Box::new(pod),
        namespace,
        cr_name,
    }
}

fn pod_of(object: Option<&DynamicObject>, operation: &str, what: &str) -> Result<Pod, String> {
    let object = object.ok_or_else(|| {
        let what = if what == "object" { "pod" } else { what };
        format!("the {operation} request carries no {what}")
    })?;
    serde_json::to_value(object)
        .and_then(serde_json::from_value)
        .map_err(|e| format!("the {what} is not a valid Pod: {e}"))
}

/// An UPDATE of a pod (or its ephemeral containers): [`crate::update::decide_update`].
fn review_update(req: &AdmissionRequest<DynamicObject>) -> AdmissionResponse {
    let pods = pod_of(req.old_object.as_ref(), "UPDATE", "old pod")
        .and_then(|old| Ok((old, pod_of(req.object.as_ref(), "UPDATE", "object")?)));
    match pods {
        Ok((old, new)) => match crate::update::decide_update(&old, &new) {
            Ok(()) => allow(req, None),
            Err(message) => refuse(req, 403, message),
        },
        Err(message) => refuse(req, 400, message),
    }
}

/// The response for a decision.
pub fn respond(req: &AdmissionRequest<DynamicObject>, decision: Decision) -> AdmissionResponse {
    match decision {
        Decision::Allow(_) => allow(req, None),
        Decision::Patch(patch) => match AdmissionResponse::from(req).with_patch(patch) {
            Ok(response) => response,
            Err(e) => refuse(req, 500, format!("cannot serialize the patch: {e}")),
        },
        Decision::Deny(message) => refuse(req, 403, message),
    }
}

/// The response for a decision with its warnings (which `kubectl` prints).
pub fn respond_with(
    req: &AdmissionRequest<DynamicObject>,
    admission: crate::govern::Admission,
) -> AdmissionResponse {
    let mut response = respond(req, admission.decision);
    if response.allowed && !admission.warnings.is_empty() {
        response.warnings = Some(admission.warnings);
    }
    response
}

fn allow(req: &AdmissionRequest<DynamicObject>, warning: Option<String>) -> AdmissionResponse {
    let mut response = AdmissionResponse::from(req);
    response.warnings = warning.map(|w| vec![w]);
    response
}

/// A refusal with an HTTP-like code and a message for the pod's author.
pub fn refuse(
    req: &AdmissionRequest<DynamicObject>,
    code: u16,
    message: String,
) -> AdmissionResponse {
    let mut response = AdmissionResponse::from(req).deny(&message);
    response.result.code = code;
    response.result.reason = match code {
        403 => "Forbidden",
        500 => "InternalError",
        _ => "BadRequest",
    }
    .to_owned();
    response.result.status = Some(kube::core::response::StatusSummary::Failure);
    response
}

#[cfg(test)]
mod tests {
    use super::count_json_values;

    #[test]
    fn counts_values_not_keys_or_bytes() {
        let cases: [(&str, usize); 6] = [
            (r#"{}"#, 1),
            (r#"{"a": 1, "b": [true, null, "x"]}"#, 6),
            (r#"["", "", ""]"#, 4),
            (r#"{"k\"}": "v,{[", "n": -1.5e3}"#, 3),
            (r#"[{"a": {"b": []}}, {"c": "d"}]"#, 6),
            (r#"[1,2,3]"#, 4),
        ];
        for (json, want) in cases {
            let value: serde_json::Value = serde_json::from_str(json).unwrap();
            assert_eq!(
                count_json_values(json.as_bytes(), usize::MAX),
                want,
                "{json} ({value})"
            );
        }
        // A million empty strings stop the count at the cap.
        let mut big = String::from("[");
        big.push_str(&"\"\",".repeat(1_000_000));
        big.push_str("\"\"]");
        assert_eq!(count_json_values(big.as_bytes(), 10), 11);
    }
}
