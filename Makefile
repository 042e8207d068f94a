# Stardust build entry points. Needs only a JDK 17 and Maven.
MVN ?= mvn -B -ntp

.PHONY: build run test soak clean cluster-start cluster-stop cluster-status

build:
	$(MVN) -q install -DskipTests

# Builds, then runs the demo: an embedded 3-member cluster and a ~10 s read-modify-write workload.
run: build
	bin/stardust demo

# Builds and runs every unit and integration test (the quick conformance checks included).
test:
	$(MVN) install

# Repeated SIGKILLs of the leader with real member processes; prints failover p50/p99/max (about 10 minutes).
soak: build
	$(MVN) verify -pl conformance -Dit.test=FailoverSoakIT -Dstardust.soak=true -Dstardust.logs.dir=$(CURDIR)/conformance/target/soak-logs

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
