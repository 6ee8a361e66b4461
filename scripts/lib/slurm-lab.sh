#!/usr/bin/env bash
# A throwaway Slurm cluster on this machine for jobrun's tests: munged with its own key and socket, slurmctld, and
# two slurmd daemons posing as nodes node1 and node2 (multiple-slurmd, both on 127.0.0.1). Needs root and Debian's
# slurm-wlm and munge.
#   slurm-lab.sh start DIR   stops whatever an earlier lab in DIR left running, then starts a new one; prints
#                            the SLURM_CONF path once both nodes are idle
#   slurm-lab.sh stop DIR    cancels every job, stops the daemons (by the pids this script recorded)
# DIR and every folder above it must be searchable by all (munged refuses its socket otherwise). Every Slurm
# command here has a timeout: with a broken munge they block for seconds each.
set -euo pipefail

command=${1:-}
lab=${2:-}
[[ -n $command && -n $lab ]] || { echo "usage: slurm-lab.sh start|stop DIR" >&2; exit 2; }
conf="$lab/slurm.conf"
export SLURM_CONF="$conf"
# The daemons must not inherit descriptors of whoever started this script (a test harness may watch a socket
# for its child's end): keep only stdin, stdout, stderr and the script itself (255).
for fd in $(ls /proc/$$/fd); do
    case $fd in 0|1|2|255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done

# Stops a daemon whose pid file this script wrote, if that pid still runs the same program.
stop_pid_file() {
    local file=$1 program=$2 pid
    [[ -f $file ]] || return 0
    pid=$(cat "$file" 2>/dev/null || true)
    if [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == "$program" ]]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

stop_lab() {
    if [[ -f $conf ]] && [[ -f $lab/slurmctld.pid ]]; then
        # Jobs first: their steps would outlive the daemons.
        timeout 10 scancel --full --quiet --user=root 2>/dev/null || true
        for _ in $(seq 1 50); do
            [[ -z $(timeout 5 squeue --noheader --format=%i 2>/dev/null || true) ]] && break
            sleep 0.2
        done
    fi
    stop_pid_file "$lab/slurmd-node1.pid" slurmd
    stop_pid_file "$lab/slurmd-node2.pid" slurmd
    stop_pid_file "$lab/slurmctld.pid" slurmctld
    stop_pid_file "$lab/munged.pid" munged
}

case $command in
    stop)
        stop_lab
        exit 0
        ;;
    start) ;;
    *) echo "slurm-lab.sh: unknown command $command" >&2; exit 2 ;;
esac

stop_lab
rm -rf "$lab/state" "$lab/spool" "$lab/log"
mkdir -p "$lab/state" "$lab/spool/node1" "$lab/spool/node2" "$lab/log" "$lab/munge"
chmod 755 "$lab"
chmod 700 "$lab/munge"
if [[ ! -s $lab/munge/munge.key ]]; then
    dd if=/dev/urandom of="$lab/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$lab/munge/munge.key"
socket="$lab/munge.socket"
munged --force --foreground --key-file="$lab/munge/munge.key" --socket="$socket" \
    --pid-file="$lab/munge/munged.pid" --log-file="$lab/log/munged.log" --seed-file="$lab/munge/munged.seed" \
    </dev/null >"$lab/log/munged.out" 2>&1 &
echo $! >"$lab/munged.pid"
for _ in $(seq 1 100); do
    [[ -S $socket ]] && break
    sleep 0.05
done
[[ -S $socket ]] || { echo "slurm-lab.sh: munged did not create $socket; its log:" >&2; cat "$lab/log/munged.log" >&2; exit 1; }

host=$(hostname -s)
cat >"$conf" <<CONF
ClusterName=jobrunlab
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=17001
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$lab/state
SlurmdSpoolDir=$lab/spool/%n
SlurmctldPidFile=$lab/state/slurmctld.pidfile
SlurmdPidFile=$lab/spool/%n/slurmd.pidfile
SlurmctldLogFile=$lab/log/slurmctld.log
SlurmdLogFile=$lab/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmdParameters=config_overrides
SchedulerParameters=sched_interval=1,bf_interval=1
MessageTimeout=10
KillWait=2
MinJobAge=2
InactiveLimit=0
SlurmctldTimeout=10
SlurmdTimeout=30
NodeName=node[1-2] NodeHostname=localhost NodeAddr=127.0.0.1 Port=[17001-17002] CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF

slurmctld -D -c </dev/null >"$lab/log/slurmctld.out" 2>&1 &
echo $! >"$lab/slurmctld.pid"
for node in node1 node2; do
    slurmd -D -N "$node" </dev/null >"$lab/log/slurmd-$node.out" 2>&1 &
    echo $! >"$lab/slurmd-$node.pid"
done
for _ in $(seq 1 150); do
    idle=$(timeout 5 sinfo --noheader --states=idle --format=%D 2>/dev/null | head -1 || true)
    [[ $idle == 2 ]] && { echo "$conf"; exit 0; }
    sleep 0.2
done
echo "slurm-lab.sh: the nodes did not become idle within 30 s; sinfo says:" >&2
timeout 5 sinfo >&2 || true
tail -20 "$lab/log/slurmctld.log" "$lab/log/slurmd-node1.log" >&2 || true
exit 1
