#!/usr/bin/env bash
# scripts/k8s/cluster.sh — run a REAL Kubernetes control plane for tests, without Docker:
# etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok (fake nodes that
# make pods scheduled-and-Ready without kubelets), all on 127.0.0.1 free ports, state in DIR.
#
#   scripts/k8s/cluster.sh start DIR   # certs, processes, DIR/kubeconfig, DIR/pids, waits for readiness
#   scripts/k8s/cluster.sh stop DIR    # SIGTERM exactly the PIDs in DIR/pids, SIGKILL after a bounded wait
#   scripts/k8s/cluster.sh env DIR     # prints: export KUBECONFIG=DIR/kubeconfig; export PATH=<bin>:$PATH
#
# Binaries come from scripts/k8s/tools.sh (built from Go modules, cached outside the
# repository in ${KONSORTIUM_CACHE:-$HOME/.cache/konsortium}/k8s/<version>/bin; never committed).
# Env: K8S_FAKE_NODES (default 2), K8S_FAKE_VOLUMES (default 1: kwok simulates a default
# StorageClass "kwok-volume" so PVCs get Bound), K8S_START_TIMEOUT (seconds, default 120).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVICE_CIDR="10.96.0.0/16"; SERVICE_IP="10.96.0.1"; POD_CIDR="10.244.0.1/16"
FAKE_NODES="${K8S_FAKE_NODES:-2}"; FAKE_VOLUMES="${K8S_FAKE_VOLUMES:-1}"
TIMEOUT="${K8S_START_TIMEOUT:-120}"
ORDER=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd) # stop order

log() { echo "cluster.sh: $*" >&2; }
die() { log "$*"; exit 1; }
usage() { echo "usage: $0 start|stop|env DIR" >&2; exit 2; }

[[ $# -eq 2 ]] || usage
CMD="$1"; DIR="$2"
mkdir -p "$DIR"; DIR="$(cd "$DIR" && pwd)"
BIN="$("$HERE/tools.sh" --bin-dir)"

# ---- helpers ----------------------------------------------------------------------------
free_ports() { # N -> N distinct free loopback TCP ports (held together while choosing)
  if command -v python3 >/dev/null; then
    python3 - "$1" <<'PY'
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
PY
  else
    node -e 'const net=require("net");const n=+process.argv[1];const ss=[];let p=[];
      for(let i=0;i<n;i++){const s=net.createServer();ss.push(s);s.listen(0,"127.0.0.1",()=>{p.push(s.address().port);
      if(p.length===n){console.log(p.join(" "));ss.forEach(x=>x.close());}});}' "$1"
  fi
}

alive() { # pid binary -> true if pid runs that binary (guards against PID reuse)
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | head -1 | grep -q "/$2\$"
}

stop_cluster() {
  [[ -f "$DIR/pids" ]] || { log "no $DIR/pids: nothing to stop"; return 0; }
  local name pid pids=() names=()
  for name in "${ORDER[@]}"; do
    while read -r n pid; do
      [[ "$n" == "$name" ]] || continue
      if alive "$pid" "$n"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$pid"); names+=("$n"); fi
    done < "$DIR/pids"
  done
  local deadline=$((SECONDS + 15)) i left
  while :; do
    left=0; for i in "${!pids[@]}"; do alive "${pids[$i]}" "${names[$i]}" && left=1; done
    [[ $left -eq 0 || $SECONDS -ge $deadline ]] && break
    sleep 0.2
  done
  for i in "${!pids[@]}"; do
    if alive "${pids[$i]}" "${names[$i]}"; then
      log "SIGKILL ${names[$i]} (${pids[$i]})"; kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  rm -f "$DIR/pids"
  log "stopped ${#pids[@]} process(es)"
}

launch() { # name args... ; detached in its own session, logs in DIR/logs/name.log
  local name="$1"; shift
  setsid "$BIN/$name" "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
  echo "$name $!" >> "$DIR/pids"
}

wait_for() { # description command...
  local what="$1"; shift
  local deadline=$((START + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    [[ $SECONDS -lt $deadline ]] || die "timeout (${TIMEOUT}s) waiting for $what; logs in $DIR/logs"
    sleep 0.3
  done
  log "$what ready after $((SECONDS - START)) s"
}

pki() { # certificates and keys with openssl
  local p="$DIR/pki"; mkdir -p "$p"; chmod 700 "$p"
  mkca() { # name CN
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$p/$1.key" -out "$p/$1.crt" -days 3650 \
      -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  }
  mkca ca konsortium-test-ca
  mkca front-proxy-ca konsortium-test-front-proxy-ca # request-header authn (aggregated APIs)
  cert() { # name subject extfile-content [ca]
    local ca="${4:-ca}"
    openssl req -newkey rsa:2048 -nodes -keyout "$p/$1.key" -out "$p/$1.csr" -subj "$2" 2>/dev/null
    printf '%s\n' "$3" > "$p/$1.ext"
    openssl x509 -req -in "$p/$1.csr" -CA "$p/$ca.crt" -CAkey "$p/$ca.key" -CAcreateserial \
      -out "$p/$1.crt" -days 3650 -extfile "$p/$1.ext" 2>/dev/null
    rm -f "$p/$1.csr" "$p/$1.ext"
  }
  local client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert admin "/O=system:masters/CN=konsortium-admin" "$client"
  cert controller-manager "/CN=system:kube-controller-manager" "$client"
  cert scheduler "/CN=system:kube-scheduler" "$client"
  cert front-proxy-client "/CN=front-proxy-client" "$client" front-proxy-ca
  openssl genrsa -out "$p/sa.key" 2048 2>/dev/null
  openssl rsa -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
}

kubeconfig() { # file client-cert-name
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: konsortium-test
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $DIR/pki/ca.crt
users:
- name: $2
  user:
    client-certificate: $DIR/pki/$2.crt
    client-key: $DIR/pki/$2.key
contexts:
- name: konsortium-test
  context: {cluster: konsortium-test, user: $2}
current-context: konsortium-test
KC
  chmod 600 "$1"
}

start_cluster() {
  START=$SECONDS
  if [[ -f "$DIR/pids" ]]; then
    while read -r n pid; do alive "$pid" "$n" && die "already running ($n $pid): $0 stop $DIR"; done < "$DIR/pids"
    rm -f "$DIR/pids"
  fi
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl; do
    [[ -x "$BIN/$b" ]] || die "$BIN/$b missing: run $HERE/tools.sh first"
  done
  STARTED_OK=0
  trap '[[ $STARTED_OK == 1 ]] || { log "start failed: stopping what was started"; stop_cluster; }' EXIT
  mkdir -p "$DIR/logs"; : > "$DIR/pids"
  [[ -f "$DIR/pki/sa.pub" && -f "$DIR/pki/front-proxy-client.crt" ]] || pki
  read -r ETCD_PORT ETCD_PEER_PORT APISERVER_PORT KCM_PORT SCHED_PORT < <(free_ports 5)
  echo "etcd=$ETCD_PORT etcd-peer=$ETCD_PEER_PORT apiserver=$APISERVER_PORT controller-manager=$KCM_PORT scheduler=$SCHED_PORT" > "$DIR/ports"
  kubeconfig "$DIR/kubeconfig" admin
  kubeconfig "$DIR/controller-manager.kubeconfig" controller-manager
  kubeconfig "$DIR/scheduler.kubeconfig" scheduler

  launch etcd --name=konsortium --data-dir="$DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="konsortium=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync=true --log-level=warn
  wait_for etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

  launch kube-apiserver --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --cert-dir="$DIR/apiserver" \
    --tls-cert-file="$DIR/pki/apiserver.crt" --tls-private-key-file="$DIR/pki/apiserver.key" \
    --client-ca-file="$DIR/pki/ca.crt" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$DIR/pki/sa.pub" \
    --service-account-signing-key-file="$DIR/pki/sa.key" \
    --requestheader-client-ca-file="$DIR/pki/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$DIR/pki/front-proxy-client.crt" \
    --proxy-client-key-file="$DIR/pki/front-proxy-client.key" \
    --endpoint-reconciler-type=none \
    --profiling=false
  wait_for kube-apiserver curl -fsS --cacert "$DIR/pki/ca.crt" --cert "$DIR/pki/admin.crt" \
    --key "$DIR/pki/admin.key" "https://127.0.0.1:$APISERVER_PORT/readyz"

  launch kube-controller-manager --kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$DIR/controller-manager" \
    --service-account-private-key-file="$DIR/pki/sa.key" --root-ca-file="$DIR/pki/ca.crt" \
    --cluster-signing-cert-file="$DIR/pki/ca.crt" --cluster-signing-key-file="$DIR/pki/ca.key" \
    --use-service-account-credentials=true --controllers='*' --leader-elect=true \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false \
    --kube-api-qps=400 --kube-api-burst=800 --concurrent-statefulset-syncs=20
  # Unschedulable pods are retried every 10 s (default 5 min): kwok binds volume claims a moment
  # after the scheduler first sees their pods, and a pod that was unschedulable then may wait
  # for the next flush.
  launch kube-scheduler --kubeconfig="$DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig="$DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=true --profiling=false \
    --kube-api-qps=400 --kube-api-burst=800 --pod-max-in-unschedulable-pods-duration=10s

  local stages="$DIR/kwok-stages.yaml"
  cp "$BIN/../share/kwok/stages.yaml" "$stages"
  [[ "$FAKE_VOLUMES" == 1 ]] && cat "$BIN/../share/kwok/volume-stages.yaml" >> "$stages"
  launch kwok --kubeconfig="$DIR/kubeconfig" --config="$stages" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds=40 --cidr="$POD_CIDR" --node-ip=127.0.0.1

  local kc=("$BIN/kubectl" --kubeconfig="$DIR/kubeconfig")
  wait_for kube-controller-manager curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"
  wait_for kube-scheduler curl -fsSk "https://127.0.0.1:$SCHED_PORT/healthz"
  local i nodes=()
  for ((i = 0; i < FAKE_NODES; i++)); do
    nodes+=("kwok-node-$i")
    "${kc[@]}" apply -f - >/dev/null <<NODE
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
# No NoSchedule taint (unlike the kwok example): every pod may land on these fake nodes, and
# room for 1000 pods each with their requests (the operator benchmark runs hundreds of nodes).
status:
  allocatable: {cpu: "1000", memory: 4Ti, pods: "1000"}
  capacity: {cpu: "1000", memory: 4Ti, pods: "1000"}
  nodeInfo:
    architecture: amd64
    kubeProxyVersion: fake
    kubeletVersion: fake
    operatingSystem: linux
  phase: Running
NODE
  done
  if [[ "$FAKE_VOLUMES" == 1 ]]; then
    "${kc[@]}" apply -f "$BIN/../share/kwok/storage-class.yaml" >/dev/null
  fi
  if [[ ${#nodes[@]} -gt 0 ]]; then
    wait_for "kwok nodes" "${kc[@]}" wait --for=condition=Ready --timeout=2s "${nodes[@]/#/node/}"
  fi
  # pods are refused until the service-account controller has created the default SA
  wait_for "default service account" "${kc[@]}" -n default get serviceaccount default
  STARTED_OK=1
  log "control plane up in $((SECONDS - START)) s; export KUBECONFIG=$DIR/kubeconfig"
}

case "$CMD" in
  start) start_cluster ;;
  stop) stop_cluster ;;
  env) echo "export KUBECONFIG=$DIR/kubeconfig"; echo "export PATH=$BIN:\$PATH" ;;
  *) usage ;;
esac
