package io.stardust.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RunnerTest
{
    @Test
    void shouldChargeTheRunsCpuPerCommitToTheMeasuredCommits()
    {
        // 8 CPU-seconds over 4,000 commits (warm-up included), 3,000 of them measured: 6 CPU-seconds.
        assertEquals(6_000_000_000L, Runner.serverCpu(10_000_000_000L, 18_000_000_000L, 4_000, 3_000));
    }

    @Test
    void shouldReportUnknownWithoutUsableSamplesOrCommits()
    {
        assertEquals(-1, Runner.serverCpu(10_000_000_000L, 10_010_000_000L, 99, 90));
        assertEquals(-1, Runner.serverCpu(-1, 10_000_000_000L, 3_000, 3_000));
        assertEquals(-1, Runner.serverCpu(10_000_000_000L, 9_000_000_000L, 3_000, 3_000));
    }
}
