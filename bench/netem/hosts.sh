#!/usr/bin/env bash
# Emulated hosts: COUNT Linux network namespaces, each with an address of its own on a bridge (not
# loopback), each host's link shaped to RATE in both directions with the kernel's htb qdisc.
#
#   hosts.sh up PREFIX COUNT RATE      make PREFIX-sw (the switch: a bridge) and hosts PREFIX-0 ..
#                                      PREFIX-(COUNT-1), host i at 10.233.0.(10+i)/24; RATE as tc takes
#                                      it (10mbit, 100mbit, 1gbit) or 0 for unshaped; prints "NAME ADDRESS"
#   hosts.sh down PREFIX               remove every namespace PREFIX-* (their veths go with them)
#   hosts.sh run PREFIX COUNT RATE -- COMMAND...
#                                      up, run COMMAND with HOSTS="NAME=ADDRESS ..." in its environment,
#                                      then down, also when COMMAND fails or the script is interrupted
#   hosts.sh check                     exit 0 when this machine lets us make namespaces, else 1 with why
#
# Each host namespace has lo and eth0; its eth0 is one end of a veth pair whose other end is a port
# of the bridge in PREFIX-sw. Shaping: htb on eth0 (host -> switch) and on the switch port
# (switch -> host), so a host's sends and receives are each capped at RATE, shared by all its flows,
# like a NIC, queueing at most 100 ms (256 KiB at least) before it drops. Nothing is made in the root namespace. The kernel here has no netem (nor fq or prio):
# no added latency, jitter or loss; see docs/emulated-hosts.md. Needs root (CAP_NET_ADMIN) and iproute2.
set -euo pipefail

die() { echo "hosts.sh: $*" >&2; exit 1; }

check() {
  command -v ip >/dev/null || { echo "hosts.sh: no 'ip' command (apt-get install iproute2)" >&2; return 1; }
  command -v tc >/dev/null || { echo "hosts.sh: no 'tc' command (apt-get install iproute2)" >&2; return 1; }
  local probe="cdpprobe-$$"
  if ! err=$(ip netns add "$probe" 2>&1); then
    echo "hosts.sh: cannot make a network namespace ($err); needs root or CAP_SYS_ADMIN + CAP_NET_ADMIN" >&2
    return 1
  fi
  ip netns del "$probe"
}

down() {
  local prefix=$1 ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${prefix}-(sw|[0-9]+)$" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
}

queue_bytes() { # rate -> a queue of 100 ms at that rate, at least 256 KiB (four 64 KiB GSO segments)
  local number=${1%%[a-z]*} unit=${1##*[0-9]} bytes
  case $unit in kbit) bytes=$((number * 125)) ;; mbit) bytes=$((number * 125000)) ;; gbit) bytes=$((number * 125000000)) ;; esac
  bytes=$((bytes / 10))
  echo $((bytes < 262144 ? 262144 : bytes))
}

uses_gso() { # rate -> whether a shaped link keeps the kernel's 64 KiB segmentation-offload super-packets
  # HOSTS_GSO=on|off forces it; auto (the default): where the link's queue holds at least 64 of them
  # (100 ms at the rate: from about 336 Mbit/s), since there drops never take a large part of a window
  # at once, and one MTU packet at a time would make the hosts' kernels, five hosts on the VM's cores,
  # the bottleneck no host with segmentation offload has (cnn at 1 Gbit/s: 1-15 ms round trips on
  # 7 %-busy links, 14 spurious retransmissions a step, 0.10 s steps against 0.057 s with super-packets).
  case "${HOSTS_GSO:-auto}" in
    on) return 0 ;;
    off) return 1 ;;
    *) [ "$(queue_bytes "$1")" -ge $((64 * 65536)) ] ;;
  esac
}

shape() { # namespace device rate
  [ "$3" = 0 ] && return 0
  tc -n "$1" qdisc add dev "$2" root handle 1: htb default 10 r2q 1000
  tc -n "$1" class add dev "$2" parent 1: classid 1:10 htb rate "$3" ceil "$3"
  # A byte-limited queue: the default (1000 packets, each up to a 64 KiB GSO segment) holds a minute
  # of traffic at 10 Mbit/s, and heartbeats queued behind tensors that long get nodes downed.
  tc -n "$1" qdisc add dev "$2" parent 1:10 handle 10: bfifo limit "$(queue_bytes "$3")"
}

up() {
  local prefix=$1 count=$2 rate=$3
  [[ "$prefix" =~ ^[a-z][a-z0-9]{0,7}$ ]] || die "PREFIX must be 1-8 lower-case letters or digits, starting with a letter; got '$prefix'"
  [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le 200 ] || die "COUNT must be 1-200; got '$count'"
  [[ "$rate" =~ ^(0|[0-9]+(kbit|mbit|gbit))$ ]] || die "RATE must be 0 or a number with kbit, mbit or gbit (e.g. 100mbit); got '$rate'"
  [[ "${HOSTS_GSO:-auto}" =~ ^(on|off|auto)$ ]] || die "HOSTS_GSO must be on, off or auto; got '$HOSTS_GSO'"
  if ip netns list | awk '{print $1}' | grep -qE "^${prefix}-(sw|[0-9]+)$"; then
    die "namespaces ${prefix}-* exist already (another run? remove them with: hosts.sh down $prefix)"
  fi
  ip netns add "$prefix-sw"
  ip -n "$prefix-sw" link add br0 type bridge
  ip -n "$prefix-sw" link set br0 up
  local i ns port
  for i in $(seq 0 $((count - 1))); do
    ns="$prefix-$i"; port="p$i"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "$prefix$port" type veth peer name eth0 netns "$ns"
    ip link set "$prefix$port" netns "$prefix-sw"
    ip -n "$prefix-sw" link set "$prefix$port" name "$port"
    ip -n "$prefix-sw" link set "$port" master br0
    ip -n "$prefix-sw" link set "$port" up
    ip -n "$ns" addr add "10.233.0.$((10 + i))/24" dev eth0
    # One MTU-sized packet per buffer on a thin shaped link, as a real wire carries frames: with GSO
    # its small tail-drop queue held 64 KiB super-packets and dropped ~45 segments of one flow at a
    # time. HOSTS_GSO=on keeps the super-packets everywhere (how the results before 2026-12-07 were
    # made), off nowhere; see uses_gso.
    [ "$rate" = 0 ] || uses_gso "$rate" || ip -n "$ns" link set eth0 gso_max_segs 1
    ip -n "$ns" link set eth0 up
    shape "$ns" eth0 "$rate"
    shape "$prefix-sw" "$port" "$rate"
    echo "$ns 10.233.0.$((10 + i))"
  done
  # The bridge forwards once its ports leave the listening state; wait until host 0 reaches the last host.
  local last=$((10 + count - 1)) tries=0
  [ "$count" -gt 1 ] || return 0
  until { ip netns exec "$prefix-0" bash -c "exec 3<>/dev/tcp/10.233.0.$last/9" 2>&1 || true; } | grep -q "refused"; do
    tries=$((tries + 1)); [ "$tries" -le 50 ] || die "host 0 cannot reach 10.233.0.$last after 5 s"
    sleep 0.1
  done
}

case "${1:-}" in
  check) check ;;
  up) [ $# -eq 4 ] || die "usage: hosts.sh up PREFIX COUNT RATE"; up "$2" "$3" "$4" ;;
  down) [ $# -eq 2 ] || die "usage: hosts.sh down PREFIX"; down "$2" ;;
  run)
    [ $# -ge 6 ] && [ "$5" = "--" ] || die "usage: hosts.sh run PREFIX COUNT RATE -- COMMAND..."
    prefix=$2; count=$3; rate=$4; shift 5
    trap 'down "$prefix"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    HOSTS=$(up "$prefix" "$count" "$rate" | tr ' ' '=' | tr '\n' ' ')
    export HOSTS
    "$@"
    ;;
  *) die "usage: hosts.sh check | up PREFIX COUNT RATE | down PREFIX | run PREFIX COUNT RATE -- COMMAND..." ;;
esac
