package io.stardust.test;

import io.stardust.protocol.ClusterSpec;
import io.stardust.server.StardustMember;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of real member processes ({@code stardust start}) on free loopback ports, for fault tests that kill
 * members with SIGKILL and restart them on their own files.
 */
public final class ProcessCluster implements AutoCloseable
{
    private ClusterSpec spec;
    private final File dir;
    private final Process[] processes;
    private final List<String> extraArgs = new ArrayList<>();
    private final List<String> jvmOptions = new ArrayList<>();
    private NetworkProxy network;

    /**
     * @param members number of members.
     */
    public ProcessCluster(final int members)
    {
        try
        {
            dir = Files.createTempDirectory("stardust-processes-").toFile();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        spec = ClusterSpec.local("localhost", Ports.freeBasePort(members), members);
        processes = new Process[members];
        MemberLogsOnFailure.opened(this);
    }

    public ClusterSpec spec()
    {
        return spec;
    }

    /**
     * Give the members datacenter labels. Call before {@link #withNetworkProxy()} and the first start.
     *
     * @param labels one per member, in id order.
     * @return this.
     */
    public ProcessCluster withDatacenters(final String... labels)
    {
        if (network != null)
        {
            throw new IllegalStateException("label the datacenters before withNetworkProxy()");
        }
        spec = spec.withDatacenters(List.of(labels));
        return this;
    }

    /**
     * @param options JVM options for every member started from now on, after the inherited ones (a heap size here
     *                replaces the default 512 MiB; a {@code -XX:+Use...GC} here replaces the inherited collector).
     * @return this.
     */
    public ProcessCluster withJvmOptions(final String... options)
    {
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /**
     * @param args more {@code stardust start} options for every member started from now on.
     * @return this.
     */
    public ProcessCluster withStartOptions(final String... args)
    {
        extraArgs.addAll(List.of(args));
        return this;
    }

    /**
     * Route the traffic between members through a {@link NetworkProxy}, so tests can cut or delay links. Call before
     * the first start; clients still use the real {@link #spec()}.
     *
     * @return this.
     */
    public ProcessCluster withNetworkProxy()
    {
        if (network == null)
        {
            network = new NetworkProxy(spec);
        }
        return this;
    }

    /** @return the proxy between members. @throws IllegalStateException without {@link #withNetworkProxy()}. */
    public NetworkProxy network()
    {
        if (network == null)
        {
            throw new IllegalStateException("this cluster was started without withNetworkProxy()");
        }
        return network;
    }

    /**
     * Start every member as its own JVM.
     *
     * @param fresh erase their state first.
     * @return this.
     */
    public ProcessCluster startAll(final boolean fresh)
    {
        for (int id = 0; id < processes.length; id++)
        {
            start(id, fresh);
        }
        return this;
    }

    /**
     * Start member {@code id} as its own JVM.
     *
     * @param id    member id.
     * @param fresh erase its state first.
     */
    public void start(final int id, final boolean fresh)
    {
        start(id, fresh, new String[0]);
    }

    /**
     * Start member {@code id} as its own JVM with more options for this start only.
     *
     * @param id    member id.
     * @param fresh erase its state first.
     * @param args  more {@code stardust start} options (after those of {@link #withStartOptions}).
     */
    public void start(final int id, final boolean fresh, final String... args)
    {
        if (processes[id] != null && processes[id].isAlive())
        {
            throw new IllegalStateException("member " + id + " is running");
        }
        final List<String> command = new ArrayList<>();
        command.add(new File(System.getProperty("java.home"), "bin/java").getPath());
        final boolean ownCollector = jvmOptions.stream().anyMatch((o) -> o.startsWith("-XX:+Use") && o.endsWith("GC"));
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            final boolean collector = arg.startsWith("-XX:+Use") && arg.endsWith("GC");
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle") ||
                (arg.startsWith("-XX:+Use") && !(collector && ownCollector)))
            {
                command.add(arg);
            }
        }
        if (jvmOptions.stream().noneMatch((o) -> o.startsWith("-Xmx")))
        {
            command.add("-Xmx512m");
        }
        command.addAll(jvmOptions);
        // Diagnostics for every member of every cluster of a run, e.g. -Dstardust.member.jvm.options=-Xlog:gc:...
        final String extra = System.getProperty("stardust.member.jvm.options", "").strip();
        if (!extra.isEmpty())
        {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.stardust.server.StardustCli");
        command.add("start");
        command.add("--member=" + id);
        command.add("--cluster=" + (network == null ? spec : network.viewOf(id)));
        command.add("--data-dir=" + new File(dir, "member-" + id));
        command.addAll(extraArgs);
        command.addAll(List.of(args));
        if (fresh)
        {
            command.add("--delete-state-on-start");
        }
        try
        {
            processes[id] = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(dir, "member-" + id + ".log")))
                .start();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start member " + id, ex);
        }
    }

    /**
     * Ask every member for its role until one says it is leader. A member that does not answer (still starting,
     * or just killed) is skipped, not fatal: right after a restart the old leader may take seconds to come up.
     *
     * @param client a client of this cluster.
     * @return the id of the member that says it is leader.
     * @throws AssertionError when none does within 30 s.
     */
    public int leaderOf(final io.stardust.client.StardustClient client)
    {
        final int[] leader = {-1};
        final StringBuilder answers = new StringBuilder();
        Await.until(() -> "a member that says it is leader; last answers: " + answers, Duration.ofSeconds(30), () ->
        {
            answers.setLength(0);
            for (int m = 0; m < processes.length; m++)
            {
                try
                {
                    final String role = client.status(m).get(2, TimeUnit.SECONDS).role();
                    answers.append(m).append('=').append(role).append(' ');
                    if ("LEADER".equals(role))
                    {
                        leader[0] = m;
                        return true;
                    }
                }
                catch (final Exception ex)
                {
                    answers.append(m).append("=no answer (").append(ex.getMessage()).append(") ");
                }
            }
            return false;
        });
        return leader[0];
    }

    /**
     * Wait until every member answers a status request with {@code epoch} or later applied. A member that does not
     * answer (restarting, paused) is asked again.
     *
     * @param client  a client of this cluster.
     * @param epoch   the epoch every member must have applied.
     * @param timeout how long to wait.
     * @throws AssertionError naming each member's last answer when the time runs out.
     */
    public void awaitAllApplied(final io.stardust.client.StardustClient client, final long epoch,
        final Duration timeout)
    {
        final StringBuilder answers = new StringBuilder();
        Await.until(() -> "every member to apply epoch " + epoch + "; last answers: " + answers, timeout, () ->
        {
            answers.setLength(0);
            boolean all = true;
            for (int m = 0; m < processes.length; m++)
            {
                try
                {
                    final long applied = client.status(m).get(2, TimeUnit.SECONDS).appliedEpoch();
                    answers.append(m).append("=applied ").append(applied).append(' ');
                    all &= applied >= epoch;
                }
                catch (final Exception ex)
                {
                    answers.append(m).append("=no answer (").append(ex.getMessage()).append(") ");
                    all = false;
                }
            }
            return all;
        });
    }

    /**
     * Wait until a member says it is leader and every member has applied the newest epoch known: the client's session
     * epoch, or the highest any member reports applied. After faults are healed, every member is then back, serving
     * reads, and caught up. The leader's own applied epoch is not enough: right after a whole-cluster restart it may
     * still be replaying its log while a follower is catching up.
     *
     * @param client  a client of this cluster.
     * @param timeout how long to wait for the members to catch up (finding the leader takes up to 30 s more).
     */
    public void awaitCaughtUp(final io.stardust.client.StardustClient client, final Duration timeout)
    {
        leaderOf(client);
        long target = client.sessionEpoch();
        for (int m = 0; m < processes.length; m++)
        {
            try
            {
                target = Math.max(target, client.status(m).get(2, TimeUnit.SECONDS).appliedEpoch());
            }
            catch (final Exception ex)
            {
                // Not answering (still starting): awaitAllApplied asks it again.
            }
        }
        awaitAllApplied(client, target, timeout);
    }

    /**
     * @param id member id.
     * @return the member's exit code, or null while it runs (or before it first started).
     */
    public Integer exitCode(final int id)
    {
        final Process p = processes[id];
        return p == null || p.isAlive() ? null : p.exitValue();
    }

    /** @param id member id. @return the member's data directory (archive, cluster and storage folders). */
    public File dataDir(final int id)
    {
        return new File(dir, "member-" + id);
    }

    /** @param id member id. @return the member's media driver directory (the default for its ports). */
    public File aeronDir(final int id)
    {
        final ClusterSpec.Member m = spec.member(id);
        return new File("/dev/shm/stardust-" + m.basePort() + "-" + m.id());
    }

    /**
     * Ask member {@code id}'s consensus module to take a snapshot, as {@code stardust snapshot} does. Acted on when
     * the member is leader; every member then writes its snapshot at the same log position.
     *
     * @param id member id.
     * @return true when the request was placed (false while another control action is pending).
     */
    public boolean requestSnapshot(final int id)
    {
        return withCounters(id, (counters) ->
        {
            final org.agrona.concurrent.status.AtomicCounter toggle =
                io.aeron.cluster.ClusterControl.findControlToggle(counters, 0);
            if (toggle == null)
            {
                throw new IllegalStateException("no consensus module behind " + aeronDir(id));
            }
            return io.aeron.cluster.ClusterControl.ToggleState.SNAPSHOT.toggle(toggle);
        });
    }

    /** Read member {@code id}'s Aeron counters through its cnc file, unmapping it afterwards. */
    private <T> T withCounters(final int id, final java.util.function.Function<org.agrona.concurrent.status.CountersReader, T> reader)
    {
        final java.nio.MappedByteBuffer cnc = org.agrona.IoUtil.mapExistingFile(new File(aeronDir(id), "cnc.dat"), "cnc");
        try
        {
            final org.agrona.concurrent.UnsafeBuffer meta = io.aeron.CncFileDescriptor.createMetaDataBuffer(cnc);
            return reader.apply(new org.agrona.concurrent.status.CountersReader(
                io.aeron.CncFileDescriptor.createCountersMetaDataBuffer(cnc, meta),
                io.aeron.CncFileDescriptor.createCountersValuesBuffer(cnc, meta)));
        }
        finally
        {
            org.agrona.IoUtil.unmap(cnc);
        }
    }

    /**
     * @param id member id.
     * @return snapshots member {@code id}'s consensus module has taken since it started (-1 when it has none yet).
     */
    public long snapshotCount(final int id)
    {
        return withCounters(id, (counters) ->
        {
            final long[] count = {-1};
            counters.forEach((counterId, typeId, keyBuffer, label) ->
            {
                if (typeId == io.aeron.cluster.ConsensusModule.Configuration.SNAPSHOT_COUNTER_TYPE_ID &&
                    counters.getCounterState(counterId) == org.agrona.concurrent.status.CountersReader.RECORD_ALLOCATED)
                {
                    count[0] = counters.getCounterValue(counterId);
                }
            });
            return count[0];
        });
    }

    /** @param id member id. @return its process id. @throws IllegalStateException when it was never started. */
    public long pid(final int id)
    {
        if (processes[id] == null)
        {
            throw new IllegalStateException("member " + id + " was never started");
        }
        return processes[id].pid();
    }

    /** @param id member id. @return true while its process runs (paused included). */
    public boolean isRunning(final int id)
    {
        return processes[id] != null && processes[id].isAlive();
    }

    /**
     * SIGSTOP member {@code id}: it keeps its sockets and files but does nothing until {@link #resume}.
     *
     * @param id member id.
     */
    public void pause(final int id)
    {
        signal(id, "STOP");
    }

    /**
     * SIGCONT member {@code id} after {@link #pause}.
     *
     * @param id member id.
     */
    public void resume(final int id)
    {
        signal(id, "CONT");
    }

    private void signal(final int id, final String signal)
    {
        final Process p = processes[id];
        try
        {
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid()))
                .redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
            {
                throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed: " +
                    new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * SIGKILL member {@code id} and wait until it is gone.
     *
     * @param id member id.
     */
    public void kill(final int id)
    {
        final Process p = processes[id];
        p.destroyForcibly();
        try
        {
            if (!p.waitFor(30, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("member " + id + " survived SIGKILL");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Connect a client with a 60 s connect timeout; a failure to connect names the cause and shows the end of every
     * member's log, so a failure on a CI machine can be understood from its output alone.
     *
     * @param configure changes to the client's settings.
     * @return the connected client.
     */
    public io.stardust.client.StardustClient connect(
        final java.util.function.UnaryOperator<io.stardust.client.ClientConfig> configure)
    {
        final io.stardust.client.ClientConfig config = configure.apply(
            new io.stardust.client.ClientConfig().clusterSpec(spec).connectTimeout(Duration.ofSeconds(60)));
        try
        {
            return io.stardust.client.StardustClient.connect(config);
        }
        catch (final io.stardust.client.StardustException ex)
        {
            throw new AssertionError(ex.getMessage() + "\n" + logTails(40), ex);
        }
    }

    /**
     * @param lines lines to keep of each log.
     * @return the last lines of every member's log, each under a heading.
     */
    public String logTails(final int lines)
    {
        final StringBuilder sb = new StringBuilder();
        for (int id = 0; id < processes.length; id++)
        {
            final String[] all = log(id).split("\n");
            sb.append("--- member ").append(id).append(isRunning(id) ? " (running)" : " (not running)")
                .append(", last ").append(Math.min(lines, all.length)).append(" lines of its log ---\n");
            for (int i = Math.max(0, all.length - lines); i < all.length; i++)
            {
                sb.append(all[i]).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * @param id member id.
     * @return the member's output so far, for failure messages.
     */
    public String log(final int id)
    {
        try
        {
            return Files.readString(new File(dir, "member-" + id + ".log").toPath());
        }
        catch (final IOException ex)
        {
            return "(no log: " + ex.getMessage() + ")";
        }
    }

    /**
     * Copy the members' logs out of the cluster's folder before it goes: into {@code -Dstardust.logs.dir=DIR}, or by
     * default {@code target/member-logs} under the working directory (a module's folder under Maven). A test that
     * fails prints their tails ({@link MemberLogsOnFailure}).
     */
    private void keepLogs()
    {
        final String target = System.getProperty("stardust.logs.dir", "target/member-logs");
        final File into = new File(target, dir.getName());
        try
        {
            Files.createDirectories(into.toPath());
            for (int id = 0; id < processes.length; id++)
            {
                final File log = new File(dir, "member-" + id + ".log");
                if (log.isFile())
                {
                    Files.copy(log.toPath(), new File(into, log.getName()).toPath(),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            MemberLogsOnFailure.kept(into);
        }
        catch (final java.io.IOException ex)
        {
            System.err.println("could not keep member logs in " + into + ": " + ex);
        }
    }

    @Override
    public void close()
    {
        for (int i = 0; i < processes.length; i++)
        {
            if (processes[i] != null && processes[i].isAlive())
            {
                kill(i);
            }
        }
        if (network != null)
        {
            network.close();
        }
        keepLogs();
        MemberLogsOnFailure.closed(this);
        StardustMember.deleteTree(dir);
        for (final ClusterSpec.Member m : spec.members())
        {
            // Killed media drivers leave their directories behind (see MemberConfig's default aeron dir).
            StardustMember.deleteTree(new File("/dev/shm/stardust-" + m.basePort() + "-" + m.id()));
        }
    }
}
