package io.stardust.test;

import io.stardust.protocol.ClusterSpec;
import org.junit.jupiter.api.Test;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PortsTest
{
    @Test
    void shouldHandOutBlocksBelowTheEphemeralRange()
    {
        final int low = Ports.ephemeralLow();
        for (int i = 0; i < 50; i++)
        {
            final int base = Ports.freeBasePort(9);
            assertTrue(base >= 10_000 && base + 9 * ClusterSpec.PORTS_PER_MEMBER <= low,
                "block " + base + " overlaps the ephemeral range from " + low);
        }
    }

    @Test
    void shouldNeverHandOutOverlappingBlocks()
    {
        // A cluster's block is only bound when its members start, so a second request in between (its network
        // proxy's) found the same ports free and took them.
        final java.util.List<int[]> blocks = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++)
        {
            final int span = (i % 2 == 0 ? 3 : 16) * ClusterSpec.PORTS_PER_MEMBER;
            final int base = Ports.freeBasePort(span / ClusterSpec.PORTS_PER_MEMBER);
            for (final int[] other : blocks)
            {
                assertTrue(base + span <= other[0] || other[1] <= base,
                    "block [" + base + ", " + (base + span) + ") overlaps [" + other[0] + ", " + other[1] + ")");
            }
            blocks.add(new int[] {base, base + span});
        }
    }

    @Test
    void shouldReadTheKernelsRangeWhole() throws IOException
    {
        // Files.readString returned "3" here (procfs reports a size of 0), which silently fell back to a default.
        final String text;
        try (FileInputStream in = new FileInputStream("/proc/sys/net/ipv4/ip_local_port_range"))
        {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertEquals(Integer.parseInt(text.trim().split("\\s+")[0]), Ports.ephemeralLow());
    }

    @Test
    void shouldParseTheRangeAndRefuseOneThatLeavesNoRoom()
    {
        assertEquals(32768, Ports.parseEphemeralLow("32768\t60999\n"));
        assertEquals(32768, Ports.parseEphemeralLow("3"));
        assertThrows(IllegalStateException.class, () -> Ports.parseEphemeralLow("1024 65535"));
    }
}
