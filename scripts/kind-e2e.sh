#!/usr/bin/env bash
# End-to-end run of the operator in a kind cluster, following the workshop (docs/OPERATOR.md §6):
# build both images, load them into kind, deploy with the self-signed overlay, sign a small
# model with a throwaway key, copy it onto a PVC, apply the CR and a labelled pod, wait for
# Running, tamper with config.json, and expect the pod blocked and the CR status to say why.
#
# Needs Docker (or Podman with KIND_EXPERIMENTAL_PROVIDER=podman), kind and kubectl.
# NOT RUN on the project's CI machines: they have no container engine. Everything it exercises
# is covered there by the crate tests (pure mutation, HTTPS webhook), by crates/operator-e2e
# against a real kube-apiserver with a simulated kubelet, and on a real local node (kubelet +
# containerd, no Docker) by crates/operator-e2e/tests/real_node.rs and scripts/local-workshop.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER=${CLUSTER:-mv-e2e}
ENGINE=${ENGINE:-docker}
NS=ml-workshop
OP_IMG=localhost/model-signing-rs-operator:e2e
VER_IMG=localhost/model-signing-rs-verifier:e2e

for tool in "$ENGINE" kind kubectl cargo openssl; do
  command -v "$tool" >/dev/null || { echo "kind-e2e: $tool is required" >&2; exit 2; }
done

"$ENGINE" build -f images/operator.Containerfile -t "$OP_IMG" .
"$ENGINE" build -f images/verifier.Containerfile -t "$VER_IMG" .
kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER"
kind load docker-image --name "$CLUSTER" "$OP_IMG" "$VER_IMG"

# Deploy (self-signed TLS: no cert-manager needed).
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
cp -r config "$WORK/"
( cd "$WORK/config/overlays/self-signed"
  cat >> kustomization.yaml <<YAML
images:
  - name: ghcr.io/sigstore/model-signing-rs-operator
    newName: localhost/model-signing-rs-operator
    newTag: e2e
YAML
)
kubectl apply -k "$WORK/config/overlays/self-signed"
kubectl -n model-validation-operator-system set env deployment/model-validation-controller-manager VERIFIER_IMAGE="$VER_IMG"
kubectl -n model-validation-operator-system rollout status deployment/model-validation-controller-manager --timeout=180s

# A small model signed with a throwaway key (never committed).
mkdir -p "$WORK/model"
echo '{"hidden_size": 8}' > "$WORK/model/config.json"
head -c 4096 /dev/urandom > "$WORK/model/weights.bin"
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/key.pem"
openssl ec -in "$WORK/key.pem" -pubout -out "$WORK/pub.pem"
cargo run -q --release -p model-signing-cli -- sign key "$WORK/model" --private-key "$WORK/key.pem" --signature "$WORK/model/model.sig"

kubectl create namespace "$NS" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NS" create configmap model-keys --from-file=pub.pem="$WORK/pub.pem" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NS" apply -f - <<YAML
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: model-storage}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: model-helper}
spec:
  containers: [{name: h, image: alpine, command: [sleep, "3600"], volumeMounts: [{name: m, mountPath: /data}]}]
  volumes: [{name: m, persistentVolumeClaim: {claimName: model-storage}}]
YAML
kubectl -n "$NS" wait --for=condition=Ready pod/model-helper --timeout=120s
copy_model() {
  kubectl -n "$NS" exec model-helper -- rm -rf /data/model
  kubectl -n "$NS" cp "$WORK/model" model-helper:/data/model
}
copy_model

apply_workload() {
  kubectl -n "$NS" delete pod ml-workload --ignore-not-found --wait
  kubectl -n "$NS" apply -f - <<YAML
apiVersion: ml.sigstore.dev/v1alpha1
kind: ModelValidation
metadata: {name: workshop-model}
spec:
  model: {path: /data/model, signaturePath: /data/model/model.sig}
  config: {publicKeyConfig: {keyRef: {kind: ConfigMap, name: model-keys, key: pub.pem}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: ml-workload
  labels: {validation.ml.sigstore.dev/ml: workshop-model}
spec:
  containers: [{name: inference, image: nginx:alpine, volumeMounts: [{name: m, mountPath: /data}]}]
  volumes: [{name: m, persistentVolumeClaim: {claimName: model-storage}}]
YAML
}

# The helper holds the RWO PVC: schedule the workload on the same node (kind has one).
apply_workload
kubectl -n "$NS" wait --for=condition=Ready pod/ml-workload --timeout=180s
kubectl -n "$NS" logs ml-workload -c model-validation | grep -q "Verification succeeded"
kubectl -n "$NS" get mv workshop-model -o jsonpath='{.status.conditions[0].status}' | grep -qx True
echo "signed model: pod Running, CR Verified"

# The workshop's attack.
echo "BACKDOOR INJECTION" >> "$WORK/model/config.json"
copy_model
apply_workload
for _ in $(seq 60); do
  reason=$(kubectl -n "$NS" get mv workshop-model -o jsonpath='{.status.conditions[0].message}')
  case "$reason" in *config.json*) break;; esac
  sleep 2
done
echo "CR status: $reason"
case "$reason" in *config.json*) ;; *) echo "expected the status to name config.json" >&2; exit 1;; esac
phase=$(kubectl -n "$NS" get pod ml-workload -o jsonpath='{.status.initContainerStatuses[0].state}')
echo "verifier state: $phase"
kubectl -n "$NS" get events --field-selector reason=ModelVerificationFailed
echo "tampered model: pod blocked, CR says why"
