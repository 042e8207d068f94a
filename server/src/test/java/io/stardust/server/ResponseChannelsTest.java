package io.stardust.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponseChannelsTest
{
    @Test
    void shouldGiveTheMediaDriverAnAddressNeverAName()
    {
        assertEquals("aeron:udp?endpoint=127.0.0.1:40123",
            ResponseChannels.literal("aeron:udp?endpoint=localhost:40123"));
        assertEquals("aeron:udp?endpoint=10.1.2.3:40123",
            ResponseChannels.literal("aeron:udp?endpoint=10.1.2.3:40123"));
    }

    @Test
    void shouldRefuseChannelsTheEndpointCannotAnswerOnSafely()
    {
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ResponseChannels.literal("aeron:udp?endpoint=no-such-host.invalid:40123")).getMessage()
            .contains("host 'no-such-host.invalid' does not resolve"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ResponseChannels.literal("aeron:udp?control=localhost:1|control-mode=dynamic")).getMessage()
            .contains("must be aeron:udp with an endpoint and no control address"));
        assertThrows(IllegalArgumentException.class, () -> ResponseChannels.literal("aeron:ipc"));
        assertThrows(IllegalArgumentException.class, () -> ResponseChannels.literal("aeron:udp?endpoint=localhost"));
        assertThrows(IllegalArgumentException.class, () -> ResponseChannels.literal("aeron:udj:endpoint=x"));
    }
}
