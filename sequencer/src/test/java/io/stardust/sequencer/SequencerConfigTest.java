package io.stardust.sequencer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequencerConfigTest
{
    @Test
    void shouldNameBadSequencerSettings()
    {
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> new SequencerConfig().initialBatchWindowMicros(10).validate()).getMessage()
            .startsWith("batch window must be in [100, 10000000] microseconds, was 10"));
        assertTrue(SequencerConfig.checkEpochLimits(0, 4096).startsWith("epoch max transactions"));
        assertTrue(SequencerConfig.checkEpochLimits(10, 10).startsWith("epoch max bytes"));
        assertNull(SequencerConfig.checkEpochLimits(10, 4096));
        assertThrows(IllegalArgumentException.class, () -> new SequencerConfig().digestHistory(1000).validate());
        assertThrows(IllegalArgumentException.class, () -> new SequencerConfig().maxTransactionBytes(10).validate());
    }

    @Test
    void shouldForgetDigestsOverwrittenInTheRing()
    {
        final DigestLog log = new DigestLog(4);
        log.record(1, 11);
        log.record(5, 55);
        assertNull(log.get(1), "epoch 5 took epoch 1's slot");
        assertEquals(55L, log.get(5));
        assertNull(log.get(0));
        assertNull(log.get(2));
    }
}
