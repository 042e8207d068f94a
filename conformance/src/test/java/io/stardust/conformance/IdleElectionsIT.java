package io.stardust.conformance;

import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.test.ProcessCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The default timeouts (1 s leader heartbeat timeout, 300 ms election timeout) must not start elections in a
 * healthy idle cluster: three member processes sit idle for ten minutes ({@code -Dstardust.soak.idle.minutes=N}),
 * and no member logs an election state change in that time. Runs with {@code make soak-idle}.
 */
@EnabledIfSystemProperty(named = "stardust.soak.idle", matches = "true")
@Timeout(value = 40, unit = TimeUnit.MINUTES)
class IdleElectionsIT
{
    private static final long MINUTES = Long.getLong("stardust.soak.idle.minutes", 10);

    @Test
    void shouldHoldNoElectionInAnIdleCluster() throws Exception
    {
        try (ProcessCluster cluster = new ProcessCluster(3))
        {
            cluster.startAll(true);
            final int leader;
            final int[] electionLinesBefore = new int[3];
            try (StardustClient client = cluster.connect((config) -> config.commitTimeout(Duration.ofSeconds(60))))
            {
                // A cold cluster's first request compiles Chronicle's code: give it time on a busy machine.
                client.createTable("idle").get(60, TimeUnit.SECONDS);
                final Transaction tx = client.begin();
                tx.put("idle", "k".getBytes(UTF_8), "v".getBytes(UTF_8));
                tx.commitSync();
                leader = cluster.leaderOf(client);
                for (int m = 0; m < 3; m++)
                {
                    electionLinesBefore[m] = electionLines(cluster.log(m));
                }
            }
            // The idle period is what is measured, not a wait for a condition.
            TimeUnit.MINUTES.sleep(MINUTES);
            for (int m = 0; m < 3; m++)
            {
                assertEquals(electionLinesBefore[m], electionLines(cluster.log(m)),
                    "member " + m + " changed election state while idle:\n" + cluster.log(m));
            }
            try (StardustClient client = cluster.connect((config) -> config))
            {
                assertEquals(leader, cluster.leaderOf(client), "leader after " + MINUTES + " idle minutes");
                final Transaction tx = client.begin();
                tx.put("idle", "k".getBytes(UTF_8), "w".getBytes(UTF_8));
                tx.commitSync();
            }
            System.out.println("idle " + MINUTES + " minutes: no election on any member, leader still " + leader);
        }
    }

    private static int electionLines(final String log)
    {
        int n = 0;
        for (final String line : log.split("\n"))
        {
            if (line.contains("] election ") || line.contains("leader heartbeat timeout"))
            {
                n++;
            }
        }
        return n;
    }
}
