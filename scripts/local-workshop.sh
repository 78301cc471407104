#!/usr/bin/env bash
# The workshop (cloud-talks/model-signing, Parts 2-4) on a real local node, for a machine without
# Docker: brings the node up with scripts/local-cluster.sh (the operator installed from
# config/overlays/self-signed), signs a small model with a throwaway key, copies it onto the PVC
# through a helper pod, runs the verified workload, backdoors config.json and shows the kubelet
# holding the pod in Init:Error / Init:CrashLoopBackOff, then tears everything down.
#
#   sudo scripts/local-workshop.sh            # KEEP=1 leaves the cluster up afterwards
#
# nginx:alpine and alpine:latest are busybox STAND-INS served by the node's local registry.
set -euo pipefail
cd "$(dirname "$0")/.."
NS=ml-workshop

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; [[ ${KEEP:-0} != 0 ]] || bash scripts/local-cluster.sh down' EXIT

step "Part 2: the cluster (scripts/local-cluster.sh up) and the operator (kubectl apply -k config/overlays/self-signed)"
env_lines=$(bash scripts/local-cluster.sh up)
eval "$env_lines"
show kubectl get pods -n model-validation-operator-system
# The same build as scripts/local-cluster.sh (same features, so nothing is rebuilt).
cargo build -q -p model-validation-operator -p model-signing-cli
MS="${CARGO_TARGET_DIR:-target}/debug/model_signing"

step "Part 1: sign a small model locally (a throwaway key instead of the Sigstore browser flow)"
mkdir -p "$WORK/bert-base-uncased"
echo '{"hidden_size": 8}' >"$WORK/bert-base-uncased/config.json"
head -c 4096 /dev/urandom >"$WORK/bert-base-uncased/model.safetensors"
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/key.pem"
mkdir -p "$WORK/keys"
openssl ec -in "$WORK/key.pem" -pubout -out "$WORK/keys/pub.pem" 2>/dev/null
show "$MS" sign key "$WORK/bert-base-uncased" --private-key "$WORK/key.pem" --signature "$WORK/bert-base-uncased/model.sig"

step "Part 2, step 5: k8s/01-setup.yaml (namespace, PVC model-storage)"
kubectl apply -f - <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: $NS}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: model-storage, namespace: $NS}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML

step "Part 3: helper pod, kubectl cp of the signed model"
kubectl apply -f - <<YAML
apiVersion: v1
kind: Pod
metadata: {name: model-helper, namespace: $NS}
spec:
  containers: [{name: helper, image: alpine:latest, command: [sleep, "3600"], volumeMounts: [{name: model-storage, mountPath: /data}]}]
  volumes: [{name: model-storage, persistentVolumeClaim: {claimName: model-storage}}]
YAML
show kubectl -n "$NS" wait --for=condition=Ready pod/model-helper --timeout=180s
show kubectl cp "$WORK/bert-base-uncased" "$NS/model-helper:/data/bert-base-uncased"
show kubectl -n "$NS" exec model-helper -- ls -la /data/bert-base-uncased
# The public key goes into a ConfigMap (keyRef): a key file on the model's own PVC would let whoever
# writes the model write the trust root too, and the webhook refuses that.
show kubectl -n "$NS" create configmap model-keys --from-file=pub.pem="$WORK/keys/pub.pem"

verify_yaml() {
  cat <<YAML
apiVersion: ml.sigstore.dev/v1alpha1
kind: ModelValidation
metadata: {name: workshop-model, namespace: $NS}
spec:
  model: {path: /data/bert-base-uncased, signaturePath: /data/bert-base-uncased/model.sig}
  config: {publicKeyConfig: {keyRef: {kind: ConfigMap, name: model-keys, key: pub.pem}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: ml-workload
  namespace: $NS
  labels: {validation.ml.sigstore.dev/ml: workshop-model}
spec:
  containers: [{name: inference, image: nginx:alpine, volumeMounts: [{name: model-storage, mountPath: /data}]}]
  volumes: [{name: model-storage, persistentVolumeClaim: {claimName: model-storage}}]
YAML
}

step "Part 3: k8s/03-verify.yaml (CR workshop-model + pod ml-workload)"
verify_yaml | kubectl apply -f -
show kubectl -n "$NS" wait --for=condition=Ready pod/ml-workload --timeout=180s
show kubectl get pods -n "$NS"
show kubectl logs ml-workload -n "$NS" -c model-validation
sleep 2
show kubectl get mv -n "$NS"

step "Part 4: the attack (echo \"BACKDOOR INJECTION\" >> config.json on the PVC)"
show kubectl -n "$NS" exec model-helper -- sh -c 'echo "BACKDOOR INJECTION" >> /data/bert-base-uncased/config.json'
show kubectl delete pod ml-workload -n "$NS"
verify_yaml | kubectl apply -f -
for _ in $(seq 90); do
  status=$(kubectl get pod ml-workload -n "$NS" --no-headers | awk '{print $3}')
  [[ $status == Init:CrashLoopBackOff ]] && break
  sleep 2
done
show kubectl get pods -n "$NS"
show kubectl logs ml-workload -n "$NS" -c model-validation || true
show kubectl describe mv workshop-model -n "$NS"
[[ $status == Init:CrashLoopBackOff ]] || { echo "expected Init:CrashLoopBackOff, got $status" >&2; exit 1; }
step "done: the signed model ran, the backdoored one never started"
