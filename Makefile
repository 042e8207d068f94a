# Stardust build entry points. Needs only a JDK 17 and Maven.
MVN ?= mvn -B -ntp

.PHONY: build run test conformance soak soak-idle tables bench bench-full bench-jmh bench-resource controller-demo clean cluster-start cluster-stop cluster-status wan-cluster tenant-scenario

build:
	$(MVN) -q install -DskipTests

# Builds, then runs the demo: an embedded 3-member cluster and a ~10 s read-modify-write workload.
run: build
	bin/stardust demo

# Builds and runs every unit and integration test (the quick conformance checks included).
test:
	$(MVN) install

# The full conformance suite (about 10 minutes): anomaly catalogue, invalid requests, 120,000 fuzzed frames, three
# list-append histories and a bank run under faults, replica digests. Prints a table and writes
# conformance/target/conformance.json. SEED=N replays a run.
conformance: build
	bin/conformance $(if $(SEED),--seed $(SEED)) --json conformance/target/conformance.json

# Real member processes: 20 SIGKILLs of the leader (prints failover p50/p99/max, about 2 minutes), then about
# 10 minutes of mixed faults under load (leader, follower and whole-cluster kills, corrupted snapshots), then 30
# minutes of load with a snapshot every minute (prints each member's bytes on disk every minute; must stay bounded).
soak: build
	$(MVN) verify -pl conformance -Dit.test='FailoverSoakIT,MixedFaultSoakIT,DiskBoundSoakIT' -Dstardust.soak=true -Dstardust.logs.dir=$(CURDIR)/conformance/target/soak-logs

# 10,000 tables on a 3-process cluster, which keeps committing to all of them; prints disk and memory per table
# (make test runs the same with 500).
tables: build
	$(MVN) verify -pl conformance -Dit.test=ManyTablesIT -Dstardust.tables=10000 -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false

# An idle 3-process cluster for 10 minutes: no member may start an election (checks the default timeouts).
soak-idle: build
	$(MVN) verify -pl conformance -Dit.test=IdleElectionsIT -Dstardust.soak.idle=true -Dstardust.logs.dir=$(CURDIR)/conformance/target/soak-logs

# The end-to-end benchmark, short version (under 10 minutes): starts PostgreSQL 15 and a 3-member etcd 3.4 on
# loopback (scripts/bench/peers.sh installs Debian's packages if they are absent), runs bin/bench against them and
# three Stardust member processes, stops the peers, and prints the ratio table. Results: bench/target/results/.
# BENCH_ARGS passes more options (bin/bench --help).
bench: build
	scripts/bench/peers.sh start; bin/bench $(BENCH_ARGS); status=$$?; scripts/bench/peers.sh stop; exit $$status

# The long version (about an hour): more workloads, client counts, contention levels and batch windows.
bench-full: build
	scripts/bench/peers.sh start; bin/bench --full $(BENCH_ARGS); status=$$?; scripts/bench/peers.sh stop; exit $$status

# JMH micro-benchmarks (codec, scheduler validation, storage); JMH_ARGS passes JMH options (a name filter, -f, -i).
bench-jmh: build
	bin/bench jmh -rf json -rff bench/target/jmh.json $(JMH_ARGS)

# Power that follows load (CPU at 0 to 100% of peak, with a PNG chart) and each knob's effect under load, on three
# member processes started here (about 6 minutes). Results: bench/target/results/resource.md, power-curve.png.
bench-resource: build
	bin/bench resource

# The live controller (about 7 minutes): three member processes under YCSB-A, their modelled power kept under a
# solar day compressed into 5 minutes. Results: bench/target/results/controller-demo.md and controller-demo.png.
controller-demo: build
	bin/bench controller-demo

# Workload movement, live (about 3 minutes): three member processes in three datacenters, four databases, a budget
# per datacenter; dc1's drops midway, the controller moves its busy database away and back and parks the idle one.
# Results: bench/target/results/tenant-scenario.md and tenant-scenario.png.
tenant-scenario: build
	bin/bench tenant-scenario

clean:
	$(MVN) -q clean
	rm -rf run

# A 3-process cluster on this machine (see scripts/cluster.sh).
cluster-start: build
	scripts/cluster.sh start

cluster-stop:
	scripts/cluster.sh stop

cluster-status:
	scripts/cluster.sh status

# Three member processes in three datacenters behind a user-space relay that makes the wide-area round trips
# (dc1-dc2 10 ms, dc1-dc3 40 ms, dc2-dc3 80 ms), until Ctrl-C; WAN_SECONDS=N stops it after N seconds.
wan-cluster: build
	bin/wan-cluster $(if $(WAN_SECONDS),--seconds $(WAN_SECONDS))
