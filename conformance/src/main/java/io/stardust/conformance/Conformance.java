package io.stardust.conformance;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.stardust.client.ClientConfig;
import io.stardust.client.DigestInfo;
import io.stardust.client.KeyValue;
import io.stardust.client.StardustClient;
import io.stardust.conformance.history.CheckResult;
import io.stardust.conformance.history.ListAppendChecker;
import io.stardust.conformance.history.Txn;
import io.stardust.test.ProcessCluster;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The conformance suite: an independent judge of Stardust, written against the public client only. On a cluster of
 * three real member processes it runs the anomaly catalogue, a corpus of invalid requests, a frame fuzzer, and
 * seeded list-append and bank workloads composed with faults (leader and follower kills, SIGSTOP, whole-cluster
 * crashes), then checks histories, invariants and replica digests. Every random choice comes from one seed.
 *
 * <pre>
 * bin/conformance [--quick] [--seed N] [--json FILE]
 * </pre>
 */
public final class Conformance
{
    /** How much to run. */
    public record Settings(long seed, boolean quick, int histories, long historySeconds, long bankSeconds,
        long fuzzFrames, long meanFaultGapMs, int structuredBatches)
    {
        /** Cases in one batch of the structured fuzzer, after which the cluster must still commit. */
        static final int STRUCTURED_BATCH = 40;

        /** @return the settings of the full suite ({@code make conformance}). */
        public static Settings full(final long seed)
        {
            return new Settings(seed, false, 3, 100, 90, 120_000, 6_000, 100);
        }

        /** @return the quick subset that runs in {@code make test}. */
        public static Settings quick(final long seed)
        {
            return new Settings(seed, true, 1, 14, 8, 16_000, 4_000, 10);
        }
    }

    private static final int WORKERS = 8;
    private static final int BANK_WORKERS = 4;

    private Conformance()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        Long seed = null;
        boolean quick = false;
        File json = new File("conformance/target/conformance.json");
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--quick" -> quick = true;
                case "--json" -> json = new File(args[++i]);
                case "--help", "-h" ->
                {
                    System.out.println("usage: bin/conformance [--quick] [--seed N] [--json FILE]");
                    return;
                }
                default ->
                {
                    System.err.println("conformance: unknown option '" + args[i] + "' (try --help)");
                    System.exit(2);
                }
            }
        }
        final long s = seed != null ? seed : System.nanoTime();
        final Summary summary = run(quick ? Settings.quick(s) : Settings.full(s));
        summary.writeJson(json);
        System.out.println(summary.table());
        System.out.println("summary written to " + json);
        System.exit(summary.passed() ? 0 : 1);
    }

    /**
     * Run the suite.
     *
     * @param settings what to run.
     * @return the summary; {@link Summary#passed()} says whether every check held.
     */
    public static Summary run(final Settings settings)
    {
        final long started = System.nanoTime();
        final Summary summary = new Summary(settings.seed(), settings.quick() ? "quick" : "full");
        System.out.println("conformance: seed " + settings.seed() + " (replay with --seed " + settings.seed() + ")");
        final SplittableRandom seeds = new SplittableRandom(settings.seed());
        final String driverDir = new File(shm(), "stardust-conformance-" + UUID.randomUUID()).getPath();
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
                .aeronDirectoryName(driverDir)
                .threadingMode(ThreadingMode.SHARED)
                .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
                .dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            ProcessCluster cluster = new ProcessCluster(3).withNetworkProxy())
        {
            for (int m = 0; m < 3; m++)
            {
                // Replicas apply the same log with different worker counts; digests must still agree.
                cluster.start(m, true, Nemesis.workers(m + 1));
            }
            final List<StardustClient> clients = new ArrayList<>();
            try
            {
                for (int i = 0; i < WORKERS + 3; i++)
                {
                    clients.add(StardustClient.connect(config(cluster, driverDir)));
                }
                final StardustClient admin = clients.get(WORKERS);
                for (final String table : List.of(ListAppendWorkload.TABLE, BankWorkload.TABLE, "catalogue"))
                {
                    createTable(admin, table);
                }
                catalogue(admin, io.stardust.jdbc.StardustDriver.url(cluster.spec(), "default"), summary);
                invalidRequests(cluster, driverDir, summary);
                fuzz(cluster, clients.get(WORKERS + 1), admin, seeds.nextLong(), settings, summary);
                structuredFuzz(cluster, clients.get(WORKERS + 1), admin, seeds.nextLong(), settings, summary);
                for (int h = 0; h < settings.histories(); h++)
                {
                    listAppend(cluster, clients.subList(0, WORKERS), admin, seeds.nextLong(), h, settings, summary);
                }
                bank(cluster, clients.subList(0, BANK_WORKERS), admin, seeds.nextLong(), settings, summary);
                replicas(cluster, admin, seeds.nextLong(), summary);
            }
            catch (final Throwable t)
            {
                // What the clients had seen against what the members had applied: enough to tell a stuck member
                // from a session that waits for an epoch no member has.
                final StringBuilder state = new StringBuilder("state when the run stopped: session epochs");
                for (int i = 0; i < clients.size(); i++)
                {
                    state.append(' ').append(i).append('=').append(clients.get(i).sessionEpoch());
                }
                System.out.println(state);
                System.out.print(io.stardust.test.MemberStatuses.describe(clients.get(WORKERS), 3));
                System.out.println(cluster.logTails(60));
                throw t;
            }
            finally
            {
                for (int m = 0; m < 3; m++)
                {
                    if (!cluster.isRunning(m))
                    {
                        summary.crashes++;
                        final String log = cluster.log(m);
                        summary.fail("member " + m + " stopped by itself (exit " + cluster.exitCode(m) +
                            "); its log ends: " + log.substring(Math.max(0, log.length() - 1_500)));
                    }
                }
                clients.forEach(StardustClient::close);
            }
        }
        catch (final Throwable t)
        {
            summary.fail("the run stopped: " + t);
            t.printStackTrace();
        }
        summary.seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        if (!summary.passed())
        {
            System.out.println("conformance FAILED with seed " + settings.seed() + "; replay: bin/conformance --seed " +
                settings.seed() + (settings.quick() ? " --quick" : ""));
        }
        return summary;
    }

    /** Create a table; a request that timed out may have been applied, so a retry accepts "exists". */
    private static void createTable(final StardustClient admin, final String table) throws Exception
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                admin.createTable(table).get(60, TimeUnit.SECONDS);
                return;
            }
            catch (final java.util.concurrent.ExecutionException ex)
            {
                if (ex.getCause() instanceof io.stardust.client.RejectedException r &&
                    r.code() == io.stardust.protocol.codecs.ErrorCode.TABLE_EXISTS && attempt > 1)
                {
                    return;
                }
                if (!(ex.getCause() instanceof io.stardust.client.StardustTimeoutException) || attempt == 5)
                {
                    throw ex;
                }
            }
        }
    }

    private static File shm()
    {
        final File shm = new File("/dev/shm");
        return shm.isDirectory() ? shm : new File(System.getProperty("java.io.tmpdir"));
    }

    private static ClientConfig config(final ProcessCluster cluster, final String driverDir)
    {
        return new ClientConfig().clusterSpec(cluster.spec()).aeronDirectoryName(driverDir)
            .connectTimeout(Duration.ofSeconds(60)).commitTimeout(Duration.ofSeconds(10))
            .readTimeout(Duration.ofSeconds(5));
    }

    private static void catalogue(final StardustClient client, final String jdbcUrl, final Summary summary)
    {
        final List<AnomalyCatalogue.Result> results = new ArrayList<>(AnomalyCatalogue.runAll(
            (prefix) -> new KvSession(client, "catalogue", prefix)));
        JdbcSession.createTable(jdbcUrl);
        results.addAll(AnomalyCatalogue.runAll((prefix) -> new JdbcSession(jdbcUrl, prefix)));
        for (final AnomalyCatalogue.Result r : results)
        {
            summary.scenarios++;
            System.out.printf("  anomaly %-9s %-4s %s: %s%n", r.anomaly(), r.kind(), r.passed() ? "PASS" : "FAIL",
                r.requirement());
            if (r.passed())
            {
                summary.scenariosPassed++;
            }
            else
            {
                summary.fail("anomaly scenario " + r.anomaly() + " (" + r.kind() + "): " + r.detail());
            }
        }
    }

    private static void invalidRequests(final ProcessCluster cluster, final String driverDir, final Summary summary)
        throws Exception
    {
        try (StardustClient big = StardustClient.connect(config(cluster, driverDir)
            .maxTransactionBytes(8 * 1024 * 1024)))
        {
            final Map<String, String> before = rows(big);
            for (final InvalidRequests.Result r : InvalidRequests.run(big, "catalogue"))
            {
                summary.invalidRequests++;
                System.out.printf("  invalid  %-45s %s %s%n", r.name(), r.passed() ? "PASS" : "FAIL", r.detail());
                if (r.passed())
                {
                    summary.invalidRequestsPassed++;
                }
                else
                {
                    summary.fail("invalid request '" + r.name() + "' expected " + r.expected() + ", got " + r.detail());
                }
            }
            final Map<String, String> after = rows(big);
            if (!before.equals(after))
            {
                summary.fail("invalid requests changed the rows: " + diff(before, after));
            }
        }
    }

    private static void fuzz(final ProcessCluster cluster, final StardustClient fuzzClient, final StardustClient admin,
        final long seed, final Settings settings, final Summary summary) throws Exception
    {
        final Map<String, String> before = rows(admin);
        final long catalogBefore = admin.status(cluster.leaderOf(admin)).get(10, TimeUnit.SECONDS).catalogVersion();
        final Fuzzer fuzzer = new Fuzzer(seed);
        final long sent = fuzzer.run(fuzzClient, 3, settings.fuzzFrames());
        summary.framesFuzzed += sent;
        summary.framesFuzzedIngress += fuzzer.sentIngress;
        summary.framesFuzzedRead += fuzzer.sentRead;
        // A commit on the fuzzer's own session is sequenced after every frame it sent: once acknowledged, the
        // cluster has dealt with them all.
        final io.stardust.client.Transaction probe = fuzzClient.begin();
        probe.put("catalogue", "after-fuzz", "1");
        final long epoch = probe.commit().get(60, TimeUnit.SECONDS).epoch();
        cluster.awaitAllApplied(admin, epoch, Duration.ofSeconds(120));
        final Map<String, String> after = rows(admin);
        after.remove("catalogue/after-fuzz");
        if (!before.equals(after))
        {
            summary.fail("fuzzed frames changed the rows: " + diff(before, after));
        }
        for (int m = 0; m < 3; m++)
        {
            final long catalog = admin.status(m).get(10, TimeUnit.SECONDS).catalogVersion();
            if (catalog != catalogBefore)
            {
                summary.fail("fuzzed frames changed member " + m + "'s catalog version " + catalogBefore + " -> " +
                    catalog);
            }
            if (!cluster.isRunning(m))
            {
                summary.crashes++;
                summary.fail("member " + m + " stopped during fuzzing: exit " + cluster.exitCode(m));
            }
        }
        System.out.printf("  fuzz     %,d frames (%,d ingress, %,d read endpoints): state unchanged, serving%n",
            sent, fuzzer.sentIngress, fuzzer.sentRead);
    }

    /**
     * The structured fuzzer: records built from real tables and keys with one field at an edge. Every case must be
     * taken or refused as the rules say; after each batch the cluster must commit, its digests agree and every
     * member run.
     */
    private static void structuredFuzz(final ProcessCluster cluster, final StardustClient client,
        final StardustClient admin, final long seed, final Settings settings, final Summary summary) throws Exception
    {
        createTable(admin, "sfuzz_kv");
        createTable(admin, "sfuzz_big");
        final List<byte[]> keys = new ArrayList<>();
        final List<byte[]> bigKeys = new ArrayList<>();
        for (int i = 0; i < 64; i++)
        {
            keys.add(String.format("k%03d", i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        for (int i = 0; i < 2_000; i++)
        {
            bigKeys.add(String.format("b%05d", i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        for (int from = 0; from < bigKeys.size(); from += 500)
        {
            final io.stardust.client.Transaction load = admin.begin();
            for (final byte[] k : bigKeys.subList(from, from + 500))
            {
                load.put("sfuzz_big", k, k);
            }
            load.commit().get(60, TimeUnit.SECONDS);
        }
        final io.stardust.sequencer.ReplicatedSettings limits = io.stardust.sequencer.ReplicatedSettings.DEFAULTS;
        final StructuredFuzzer fuzzer = new StructuredFuzzer(seed, new StructuredFuzzer.Limits(limits.maxKeyBytes(),
            Math.min(limits.maxValueBytes(), limits.maxTransactionBytes() - 1024), limits.maxTransactionOps()),
            "sfuzz_kv", keys, "sfuzz_big", bigKeys);
        final List<String> findings = fuzzer.run(new ClusterTarget(cluster, client, admin), settings.structuredBatches(),
            Settings.STRUCTURED_BATCH);
        summary.structuredFrames += fuzzer.framesSent;
        summary.structuredFindings += findings.size();
        for (final String finding : findings)
        {
            summary.fail("structured fuzzer: " + finding);
        }
        System.out.printf("  sfuzz    %,d records in %d kinds (%,d refused and %,d taken as the rules say), " +
            "%d findings; %d sent again after no answer (a leader change lost the first)%n", fuzzer.framesSent,
            fuzzer.casesSent.size(), fuzzer.refusedAsExpected, fuzzer.takenAsExpected, findings.size(),
            fuzzer.answeredOnResend);
    }

    /** The structured fuzzer's view of a cluster of member processes. */
    private record ClusterTarget(ProcessCluster cluster, StardustClient client, StardustClient admin)
        implements StructuredFuzzer.Target
    {
        @Override
        public java.util.concurrent.CompletableFuture<io.stardust.client.RawReply> send(
            final byte[] frame, final long correlationId)
        {
            return client.sendRawIngress(frame, correlationId);
        }

        @Override
        public long appliedEpoch() throws Exception
        {
            return admin.status(cluster.leaderOf(admin)).get(10, TimeUnit.SECONDS).appliedEpoch();
        }

        @Override
        public String health() throws Exception
        {
            final io.stardust.client.Transaction probe = client.begin();
            probe.put("sfuzz_kv", "probe", "1");
            final long epoch;
            try
            {
                epoch = probe.commit().get(60, TimeUnit.SECONDS).epoch();
            }
            catch (final Exception ex)
            {
                return "the cluster did not commit a probe: " + ex;
            }
            cluster.awaitAllApplied(admin, epoch, Duration.ofSeconds(60));
            Long first = null;
            for (int m = 0; m < 3; m++)
            {
                if (!cluster.isRunning(m))
                {
                    return "member " + m + " stopped: exit " + cluster.exitCode(m);
                }
                final long digest = admin.digest(m, epoch).get(10, TimeUnit.SECONDS).digest();
                if (first != null && digest != first)
                {
                    return "member " + m + "'s digest at epoch " + epoch + " differs from member 0's";
                }
                first = digest;
            }
            return null;
        }
    }

    private static void listAppend(final ProcessCluster cluster, final List<StardustClient> clients,
        final StardustClient admin, final long seed, final int index, final Settings settings, final Summary summary)
        throws Exception
    {
        // The first history mixes one-shot and validated transactions half and half; a second is all one-shots.
        final double oneShotShare = index == 0 ? 0.5 : index == 1 ? 1.0 : 0.0;
        final ListAppendWorkload workload = new ListAppendWorkload(clients, seed, 1_000_000L * (index + 1),
            oneShotShare);
        underFaults(cluster, admin, seed ^ 0x5DEECE66DL, settings, settings.historySeconds(), workload.start(),
            workload::stop, summary);
        cluster.leaderOf(admin);
        workload.finalRead(admin);
        final List<Txn> history = workload.history();
        final CheckResult result = ListAppendChecker.check(history);
        summary.histories++;
        summary.transactions += result.transactions();
        summary.transactionsOk += result.ok();
        summary.transactionsFailed += result.failed();
        summary.transactionsIndeterminate += result.indeterminate();
        summary.ackedWritesLost += result.count(ListAppendChecker.LOST);
        result.anomalies().forEach((k, v) -> summary.anomalies.merge(k, v, Integer::sum));
        System.out.println("  history " + (index + 1) + " (" + Math.round(oneShotShare * 100) + "% one-shot): " +
            result.report().replace("\n", "\n    "));
        if (!result.valid())
        {
            summary.fail("history " + (index + 1) + " (seed " + seed + "): " + result.report());
        }
    }

    private static void bank(final ProcessCluster cluster, final List<StardustClient> clients,
        final StardustClient admin, final long seed, final Settings settings, final Summary summary) throws Exception
    {
        BankWorkload.setUp(admin);
        final BankWorkload bank = new BankWorkload(clients, seed);
        underFaults(cluster, admin, seed ^ 0x2545F4914F6CDD1DL, settings, settings.bankSeconds(), bank.start(),
            bank::stop, summary);
        cluster.leaderOf(admin);
        bank.finalCheck(admin);
        summary.bankTransfers += bank.transfers.get();
        summary.bankReads += bank.reads.get();
        summary.bankViolations += bank.violations().size();
        System.out.printf("  bank     %,d transfers (%,d one-shot, %,d more declined by the balance check), %,d " +
            "reads, %d violations%n", bank.transfers.get(), bank.oneShotTransfers.get(), bank.declinedTransfers.get(),
            bank.reads.get(), bank.violations().size());
        for (final String v : bank.violations())
        {
            summary.fail("bank (seed " + seed + "): " + v);
        }
    }

    /**
     * Let running workers go on for {@code seconds} while a nemesis injects every kind of fault; then stop them, wait
     * for them, heal the cluster and count the faults.
     */
    private static void underFaults(final ProcessCluster cluster, final StardustClient admin, final long seed,
        final Settings settings, final long seconds, final List<Thread> workers, final Runnable stop,
        final Summary summary) throws InterruptedException
    {
        final Nemesis nemesis = new Nemesis(cluster, admin, seed, List.of(Nemesis.Fault.values()),
            settings.meanFaultGapMs());
        try
        {
            pause(TimeUnit.SECONDS.toMillis(seconds));
        }
        finally
        {
            stop.run();
            for (final Thread t : workers)
            {
                t.join(TimeUnit.SECONDS.toMillis(120));
            }
            nemesis.close();
        }
        record(nemesis, summary);
        // The last fault may have restarted members a moment ago: the checks that follow read from any member, and a
        // read sent to one still starting times out instead of being retried.
        cluster.awaitCaughtUp(admin, Duration.ofSeconds(120));
    }

    private static void record(final Nemesis nemesis, final Summary summary)
    {
        nemesis.injected().forEach((k, v) -> summary.faults.merge(k.name(), v, Integer::sum));
        summary.crashes += nemesis.crashes().size();
        nemesis.crashes().forEach((c) -> summary.fail("crash: " + c));
        System.out.print(nemesis.log().replaceAll("(?m)^", "    fault "));
    }

    /**
     * Every member applied the same epoch: the digests there must be equal, and so at a sample of earlier epochs
     * each member still retains.
     */
    private static void replicas(final ProcessCluster cluster, final StardustClient admin, final long seed,
        final Summary summary) throws Exception
    {
        final long epoch = admin.status(cluster.leaderOf(admin)).get(10, TimeUnit.SECONDS).appliedEpoch();
        cluster.awaitAllApplied(admin, epoch, Duration.ofSeconds(120));
        final SplittableRandom random = new SplittableRandom(seed);
        final List<Long> epochs = new ArrayList<>(List.of(epoch));
        for (int i = 0; i < 50; i++)
        {
            epochs.add(Math.max(1, epoch - random.nextLong(Math.max(1, Math.min(epoch, 5_000)))));
        }
        for (final long e : epochs)
        {
            final Map<Integer, Long> digests = new java.util.TreeMap<>();
            for (int m = 0; m < 3; m++)
            {
                final DigestInfo d = admin.digest(m, e).get(10, TimeUnit.SECONDS);
                if (d.found())
                {
                    digests.put(m, d.digest());
                }
            }
            final DigestComparison.Outcome outcome = DigestComparison.compare(e, digests, e == epoch);
            summary.digestEpochsCompared += outcome.compared() ? 1 : 0;
            if (outcome.problem() != null)
            {
                summary.digestMismatches += outcome.compared() ? 1 : 0;
                summary.fail(outcome.problem());
            }
        }
        System.out.printf("  replicas %d epochs compared, %d mismatches%n", summary.digestEpochsCompared,
            summary.digestMismatches);
    }

    /** Every row of the tables the suite reads, as "table/key" -> value, read in one read-write transaction. */
    private static Map<String, String> rows(final StardustClient client)
    {
        return client.run((tx) ->
        {
            final Map<String, String> rows = new HashMap<>();
            for (final String table : List.of(ListAppendWorkload.TABLE, BankWorkload.TABLE, "catalogue"))
            {
                byte[] start = new byte[0];
                while (true)
                {
                    final List<KeyValue> page = tx.scan(table, start, null, 5_000);
                    for (final KeyValue kv : page)
                    {
                        rows.put(table + "/" + new String(kv.key(), StandardCharsets.UTF_8),
                            new String(kv.value(), StandardCharsets.UTF_8));
                    }
                    if (page.size() < 5_000)
                    {
                        break;
                    }
                    final byte[] last = page.get(page.size() - 1).key();
                    start = java.util.Arrays.copyOf(last, last.length + 1);
                }
            }
            // A write makes this a read-write transaction: what it read is current at its place in the log.
            tx.put("catalogue", "rows-read", "1");
            rows.remove("catalogue/rows-read");
            return rows;
        });
    }

    private static String diff(final Map<String, String> before, final Map<String, String> after)
    {
        final List<String> changes = new ArrayList<>();
        for (final String k : after.keySet())
        {
            if (!after.get(k).equals(before.get(k)))
            {
                changes.add(k + ": " + before.get(k) + " -> " + after.get(k));
            }
        }
        for (final String k : before.keySet())
        {
            if (!after.containsKey(k))
            {
                changes.add(k + " removed");
            }
        }
        return changes.size() > 20 ? changes.subList(0, 20) + " ..." : changes.toString();
    }

    private static void pause(final long ms)
    {
        final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() < end)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(100, ms)));
        }
    }
}
