#!/usr/bin/env bash
# What a steady fleet costs in API requests: `flotilla sim` with two
# clusters, a file:// repository (a Namespace, a Deployment and N+1
# ConfigMaps on both clusters), `flotilla run` on it. Once everything is
# applied and healthy, the simulator's request counters are reset, and after
# WINDOW seconds the requests each cluster served are printed per verb and
# per minute. Nothing else touches the clusters meanwhile.
#
#   benches/steady_requests.sh [FLOTILLA] [N] [WINDOW] [-- extra `flotilla run` args]
#
# e.g. benches/steady_requests.sh target/debug/flotilla 20 120
#      benches/steady_requests.sh target/debug/flotilla 20 120 -- --resync 30s
set -euo pipefail

bin=$(realpath "${1:-target/debug/flotilla}")
n=${2:-20}
window=${3:-120}
shift $(($# < 3 ? $# : 3))
[[ ${1:-} == -- ]] && shift
extra=("$@")

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The simulator: wait for its admin address.
"$bin" sim --clusters 2 --kubeconfig-out "$work/kubeconfig" >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
for _ in $(seq 100); do
    grep -q '^admin API: ' "$work/sim.out" 2>/dev/null && break
    sleep 0.1
done
admin=$(sed -n 's#^admin API: http://\([^/]*\).*#\1#p' "$work/sim.out")

# The repository.
mkdir -p "$work/src/apps"
cat >"$work/src/clusters.yaml" <<'EOF'
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: member1}
---
apiVersion: cluster.karmada.io/v1alpha1
kind: Cluster
metadata: {name: member2}
EOF
cat >"$work/src/policy.yaml" <<'EOF'
apiVersion: policy.karmada.io/v1alpha1
kind: ClusterPropagationPolicy
metadata: {name: everywhere}
spec:
  resourceSelectors:
    - {apiVersion: v1, kind: Namespace}
    - {apiVersion: apps/v1, kind: Deployment}
    - {apiVersion: v1, kind: ConfigMap}
  placement:
    replicaScheduling: {replicaSchedulingType: Duplicated}
EOF
cat >"$work/src/apps/web.yaml" <<'EOF'
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0.0
          resources: {requests: {cpu: 100m, memory: 64Mi}}
EOF
for i in $(seq 0 "$n"); do
    printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: config-%s, namespace: shop}\ndata: {greeting: hello}\n' "$i"
done >"$work/src/apps/config.yaml"
git -C "$work/src" init -q -b main
git -C "$work/src" add -A
git -C "$work/src" -c user.name=bench -c user.email=bench@example.com commit -qm fleet
git clone -q --bare "$work/src" "$work/fleet.git"

FLOTILLA_LOG=warn "$bin" run --repo "file://$work/fleet.git" --kubeconfig "$work/kubeconfig" \
    --data-dir "$work/data" --listen 127.0.0.1:0 "${extra[@]}" 2>"$work/run.err" &
pids+=($!)

# Applied and healthy everywhere (kubectl as an independent client).
kubectl() { command kubectl --kubeconfig "$work/kubeconfig" --cache-dir "$work/kube-cache" "$@"; }
for cluster in member1 member2; do
    for _ in $(seq 600); do
        ready=$(kubectl --context "$cluster" -n shop get deploy web -o 'jsonpath={.status.readyReplicas}' 2>/dev/null || true)
        cms=$(kubectl --context "$cluster" -n shop get configmap -l flotilla.io/managed-by -o name 2>/dev/null | wc -l)
        [[ $ready == 2 && $cms -ge $((n + 1)) ]] && break
        sleep 0.2
    done
done
sleep 10 # the last passes after convergence

for cluster in member1 member2; do
    curl -s -X DELETE "http://$admin/sim/clusters/$cluster/counters" >/dev/null
done
sleep "$window"
echo "steady state, ${window}s, $((n + 3)) objects per cluster, flotilla run ${extra[*]:-(defaults)}"
for cluster in member1 member2; do
    curl -s "http://$admin/sim/clusters/$cluster/counters" | python3 -c '
import json, sys
c = json.load(sys.stdin)
w = float(sys.argv[2]) / 60
total = c["total"] / w
verbs = ", ".join(f"{v} {n / w:.1f}" for v, n in sorted(c["byVerb"].items())) or "none"
print(f"{sys.argv[1]}: {total:.1f} requests/min ({verbs})")
' "$cluster" "$window"
done
