package io.stardust.conformance;

import io.stardust.client.CommitInfo;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.test.DiskUsage;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many tables on a 3-process cluster: they are all created through the log, and the cluster keeps committing to every
 * one of them. Prints the disk (allocated blocks of each member's storage, as {@code du} counts) and the resident
 * memory each table costs a member. {@code make test} runs 500 tables; {@code make tables} runs 10,000
 * ({@code -Dstardust.tables=N}).
 */
class ManyTablesIT
{
    private static final int TABLES = Integer.getInteger("stardust.tables", 500);

    @Test
    void shouldHoldManyTablesAndKeepCommitting() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3).startAll(true);
            StardustClient client = cluster.connect((config) -> config.commitTimeout(Duration.ofSeconds(60))))
        {
            client.createTable("t_first").get(60, TimeUnit.SECONDS);
            final long[] rssBefore = rss(cluster);
            final long[] diskBefore = disk(cluster);
            final long start = System.nanoTime();
            final List<CompletableFuture<?>> inFlight = new ArrayList<>();
            for (int t = 0; t < TABLES; t++)
            {
                inFlight.add(client.createTable("t" + t));
                if (inFlight.size() == 64)
                {
                    for (final CompletableFuture<?> f : inFlight)
                    {
                        f.get(120, TimeUnit.SECONDS);
                    }
                    inFlight.clear();
                }
            }
            for (final CompletableFuture<?> f : inFlight)
            {
                f.get(120, TimeUnit.SECONDS);
            }
            final double createSeconds = (System.nanoTime() - start) / 1e9;

            // Every table takes writes, and the cluster keeps committing.
            CommitInfo last = null;
            for (int from = 0; from < TABLES; from += 200)
            {
                final Transaction tx = client.begin();
                for (int t = from; t < Math.min(TABLES, from + 200); t++)
                {
                    tx.put("t" + t, "k", "v" + t);
                }
                last = tx.commit().get(60, TimeUnit.SECONDS);
            }
            cluster.awaitAllApplied(client, last.epoch(), Duration.ofSeconds(120));
            for (int m = 0; m < 3; m++)
            {
                assertTrue(cluster.isRunning(m), "member " + m + " runs");
                assertEquals(TABLES + 1, client.status(m).get(30, TimeUnit.SECONDS).catalogVersion(),
                    "member " + m + "'s catalog version");
            }
            final StardustClient reader = cluster.connect((config) -> config.preferredMember(2));
            assertEquals("v" + (TABLES - 1), new String(reader.begin().get("t" + (TABLES - 1),
                "k".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
            reader.close();

            final long[] rssAfter = rss(cluster);
            final long[] diskAfter = disk(cluster);
            for (int m = 0; m < 3; m++)
            {
                System.out.printf("member %d: %,d tables created in %.1f s; storage %,d -> %,d bytes on disk " +
                    "(%,d per table); resident memory %,d -> %,d KiB (%,d bytes per table)%n", m, TABLES,
                    createSeconds, diskBefore[m], diskAfter[m], (diskAfter[m] - diskBefore[m]) / TABLES,
                    rssBefore[m], rssAfter[m], (rssAfter[m] - rssBefore[m]) * 1024 / TABLES);
            }
        }
    }

    /** @return each member's resident set, KiB, from /proc (read with a stream: procfs reports size 0). */
    private static long[] rss(final ProcessCluster cluster) throws IOException
    {
        final long[] kib = new long[3];
        for (int m = 0; m < 3; m++)
        {
            try (FileInputStream in = new FileInputStream("/proc/" + cluster.pid(m) + "/status"))
            {
                for (final String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"))
                {
                    if (line.startsWith("VmRSS:"))
                    {
                        kib[m] = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
            }
        }
        return kib;
    }

    /** @return bytes allocated to each member's storage files (as du counts them: the files are sparse). */
    private static long[] disk(final ProcessCluster cluster)
    {
        final long[] bytes = new long[3];
        for (int m = 0; m < 3; m++)
        {
            final File storage = new File(cluster.dataDir(m), "storage");
            bytes[m] = storage.isDirectory() ? DiskUsage.allocatedBytes(storage) : 0;
        }
        return bytes;
    }
}
