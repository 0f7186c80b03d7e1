#!/usr/bin/env bash
# dssm egress demo (Linux, root): an IPv4-only client reaches an IPv6-only service by name.
#
#   client ns 10.99.0.2 ── 10.99.0.1 gateway ns fd00:99::1 ── fd00:99::2 service ns
#                                   (dssm store,             (unbound with web.demo AAAA
#                                    dssm egress)             fd00:99::10, a TCP service)
#
# Run from the repository after `npm install && npm run build`:  sudo examples/egress-demo.sh
# Everything lives in three network namespaces, deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
for c in ip unbound dig node; do command -v $c >/dev/null || { echo "needs $c (apt-get install iproute2 unbound dnsutils)"; exit 1; }; done
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces)"; exit 1; }
[ -f dist/cli/main.js ] || { echo "run npm run build first"; exit 1; }

C=egdemo-client G=egdemo-gw S=egdemo-svc
DIR=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for n in $C $G $S; do ip netns del $n 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

wait_for() { # file pattern what
  for _ in $(seq 150); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "$3 did not start:"; cat "$1"; exit 1
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "namespaces and links"
for n in $C $G $S; do ip netns add $n; ip -n $n link set lo up; done
ip link add c0 netns $C type veth peer name g0 netns $G
ip link add s0 netns $S type veth peer name g1 netns $G
ip -n $C addr add 10.99.0.2/24 dev c0; ip -n $C link set c0 up; ip -n $C route add default via 10.99.0.1
ip -n $G addr add 10.99.0.1/24 dev g0; ip -n $G link set g0 up
ip -n $G -6 addr add fd00:99::1/64 dev g1 nodad
ip -n $G -6 addr add fd00:99::3:50/64 dev g1 nodad   # SNAT pool
ip -n $G -6 addr add fd00:99::3:51/64 dev g1 nodad
ip -n $G link set g1 up
ip -n $G route add local 10.46.0.0/16 dev lo             # the synthesized subnet is local to the gateway
ip -n $S -6 addr add fd00:99::2/64 dev s0 nodad
ip -n $S -6 addr add fd00:99::10/64 dev s0 nodad
ip -n $S link set s0 up
echo "client: IPv4 only; service: IPv6 only"

step "service ns: unbound (web.demo has only AAAA fd00:99::10) and a TCP service on port 8080"
cat > "$DIR/unbound.conf" <<CONF
server:
  interface: fd00:99::2
  port: 53
  do-daemonize: no
  use-syslog: no
  chroot: ""
  username: ""
  directory: "$DIR"
  pidfile: ""
  access-control: ::/0 allow
  module-config: "iterator"
  local-zone: "demo." static
  local-data: "web.demo. 300 IN AAAA fd00:99::10"
remote-control:
  control-enable: no
CONF
ip netns exec $S unbound -c "$DIR/unbound.conf" 2> "$DIR/unbound.log" & PIDS+=($!)
ip netns exec $S node test/egress/netns-tools.mjs serve :: 8080 > /dev/null & PIDS+=($!)

step "gateway ns: a dssm store and dssm egress"
ip netns exec $G node bin/dssm.js server --port 6379 --bind 127.0.0.1 --save "" --appendonly no > "$DIR/store.log" & PIDS+=($!)
cat > "$DIR/egress.yaml" <<YAML
store: { url: "redis://127.0.0.1:6379" }
dnsNat46Ipv4Subnet: 10.46.0.0/16
nameServerList: ["[fd00:99::2]:53"]
dnsListen: ["10.99.0.1:53"]
egressSnatpool: ["fd00:99::3:50", "fd00:99::3:51"]
nat46Ports: [8080]
maxDNS46TTL: 120
YAML
cat "$DIR/egress.yaml"
wait_for "$DIR/store.log" "Ready to accept" "the store"
ip netns exec $G node bin/dssm.js egress --config "$DIR/egress.yaml" > "$DIR/egress.log" & PIDS+=($!)
wait_for "$DIR/egress.log" "egress gateway started" "dssm egress"

step "client: dig @10.99.0.1 web.demo A"
ip netns exec $C dig @10.99.0.1 web.demo A +noall +answer
ADDR=$(ip netns exec $C dig @10.99.0.1 web.demo A +short)

step "client: connect to $ADDR:8080 (the service answers with the source address it sees)"
ip netns exec $C node test/egress/netns-tools.mjs connect "$ADDR" 8080 "hello from IPv4"

step "the mapping in the store"
ip netns exec $G node bin/dssm.js egress mappings --config "$DIR/egress.yaml" list

step "gateway log (JSON lines)"
head -5 "$DIR/egress.log"
