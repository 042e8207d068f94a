package io.stardust.conformance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quick subset of the conformance suite (the full one is {@code make conformance}): the anomaly catalogue, the
 * invalid-request corpus, 16,000 fuzzed frames, one list-append history and a bank run under faults, and the
 * replica digest comparison. {@code -Dstardust.seed=N} replays a run.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ConformanceQuickIT
{
    @Test
    void shouldPassTheQuickConformanceSuite() throws Exception
    {
        final long seed = Long.getLong("stardust.seed", System.nanoTime());
        final Summary summary = Conformance.run(Conformance.Settings.quick(seed));
        summary.writeJson(new File("target/conformance-quick.json"));
        System.out.println(summary.table());
        final String replay = "seed " + seed + " (replay with -Dstardust.seed=" + seed + "):\n" + summary.table();
        // A run that stopped early ran no scenario; the table names why, so every assertion carries it.
        assertEquals(2 * AnomalyCatalogue.size(), summary.scenarios,
            () -> "every anomaly scenario ran, through the key-value client and through JDBC; " + replay);
        assertTrue(summary.histories >= 1 && summary.transactions > 0, "a history was checked");
        assertTrue(summary.framesFuzzed >= 16_000, "frames were fuzzed");
        assertTrue(summary.faultsInjected() > 0, "faults were injected");
        assertTrue(summary.passed(), replay);
    }
}
