//! Which unlabelled pod creates reach the webhook: the configuration's entry
//! [`GOVERNED_WEBHOOK`] carries a match condition listing every claim a policy governs, which
//! the operator rewrites whenever the policies change. A pod that declares none of them is
//! never sent (it pays nothing and does not depend on the operator being up); one that does is
//! sent and, with `failurePolicy: Fail`, refused while the operator is down.

use std::collections::BTreeSet;

use k8s_openapi::api::admissionregistration::v1::{MatchCondition, MutatingWebhookConfiguration};
use kube::api::{Api, Patch, PatchParams};
use kube::Client;

/// The configuration entry for pods without the label (`config/webhook/manifests.yaml`).
pub const GOVERNED_WEBHOOK: &str = "governed-pods.validation.ml.sigstore.dev";
/// The match condition the operator maintains on it.
pub const CONDITION: &str = "declares-a-governed-claim";

/// The CEL expression: the pod declares a volume of one of `claims` (`false` for none). Claim
/// names that are not object names are left out (the CRD refuses them; they could not be
/// quoted safely).
pub fn match_expression<'a>(claims: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = claims
        .into_iter()
        .filter(|c| crate::webhook::is_object_name(c))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|c| format!("'{c}'"))
        .collect();
    if quoted.is_empty() {
        return "false".to_owned();
    }
    format!(
        "has(object.spec.volumes) && object.spec.volumes.exists(v, has(v.persistentVolumeClaim) \
         && v.persistentVolumeClaim.claimName in [{}])",
        quoted.join(", ")
    )
}

/// The match conditions the entry must carry for `expression`.
pub fn conditions(expression: &str) -> Vec<MatchCondition> {
    vec![MatchCondition {
        name: CONDITION.to_owned(),
        expression: expression.to_owned(),
    }]
}

/// Sets the match condition of [`GOVERNED_WEBHOOK`] in configuration `name` (JSON patch by
/// index, after a read); `Ok(false)` when it already holds `expression`.
pub async fn sync(client: &Client, name: &str, expression: &str) -> anyhow::Result<bool> {
    let api: Api<MutatingWebhookConfiguration> = Api::all(client.clone());
    let config = api.get(name).await?;
    let wanted = conditions(expression);
    let Some((i, webhook)) = config
        .webhooks
        .iter()
        .flatten()
        .enumerate()
        .find(|(_, w)| w.name == GOVERNED_WEBHOOK)
    else {
        anyhow::bail!(
            "MutatingWebhookConfiguration {name} has no webhook {GOVERNED_WEBHOOK}: unlabelled \
             pods are never sent to the operator (apply config/webhook/manifests.yaml)"
        );
    };
    if webhook.match_conditions.as_ref() == Some(&wanted) {
        return Ok(false);
    }
    let patch: json_patch::Patch = serde_json::from_value(serde_json::json!([
        {"op": "test", "path": format!("/webhooks/{i}/name"), "value": GOVERNED_WEBHOOK},
        {"op": "add", "path": format!("/webhooks/{i}/matchConditions"), "value": wanted},
    ]))?;
    api.patch(name, &PatchParams::default(), &Patch::<()>::Json(patch))
        .await?;
    tracing::info!("webhook {GOVERNED_WEBHOOK} now matches: {expression}");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::match_expression;

    #[test]
    fn the_expression_lists_each_claim_once_and_never_quotes_a_non_name() {
        assert_eq!(match_expression([]), "false");
        assert_eq!(match_expression(["x'] || true || ['"]), "false");
        assert_eq!(
            match_expression(["model-storage", "a.b", "model-storage"]),
            "has(object.spec.volumes) && object.spec.volumes.exists(v, \
             has(v.persistentVolumeClaim) && v.persistentVolumeClaim.claimName in ['a.b', \
             'model-storage'])"
        );
    }
}
