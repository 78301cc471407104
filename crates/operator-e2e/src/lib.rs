//! Support for the operator's end-to-end tests (the tests are in `tests/`): a control plane with
//! the operator installed as `config/` deploys it, manifests applied like `kubectl apply`, and a
//! KUBELET SIMULATION that runs the injected verifier for a stored pod (fast fault injection on a
//! bare API server); and a REAL NODE (`real_node`: kubelet, containerd and the operator as a
//! Deployment, from `scripts/local-cluster.sh`) where pods really run.

pub mod cluster;
pub mod kubelet_simulation;
pub mod manifests;
pub mod operator_process;
pub mod real_node;
pub mod workspace;
