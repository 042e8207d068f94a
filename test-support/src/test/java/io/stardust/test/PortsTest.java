package io.stardust.test;

import io.stardust.protocol.ClusterSpec;
import org.junit.jupiter.api.Test;

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
}
