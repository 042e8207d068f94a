package io.stardust.sequencer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CatalogTest
{
    @Test
    void shouldAssignDenseIdsAndVersionEveryTable()
    {
        final Catalog catalog = Catalog.EMPTY.withTable("a").withTable("b_2");
        assertEquals(2, catalog.version());
        assertEquals(0, catalog.table("a").id());
        assertEquals(1, catalog.table("a").createdAtVersion());
        assertEquals(1, catalog.table("b_2").id());
        assertEquals(2, catalog.table("b_2").createdAtVersion());
        assertNull(catalog.table("c"));
        assertEquals(0, Catalog.EMPTY.tables().size(), "catalogs are immutable");
    }

    @Test
    void shouldRefuseDuplicateAndInvalidNames()
    {
        final Catalog catalog = Catalog.EMPTY.withTable("accounts");
        assertEquals("table 'accounts' already exists", catalog.checkNewTable("accounts"));
        assertTrue(catalog.checkNewTable("bad-name").startsWith("invalid table name 'bad-name'"));
        assertTrue(catalog.checkNewTable("9lives").startsWith("invalid table name"));
        assertTrue(catalog.checkNewTable("x".repeat(65)).startsWith("invalid table name"));
        assertNull(catalog.checkNewTable("x".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> catalog.withTable("accounts"));
    }

    @Test
    void shouldRefuseTablesPastTheLimit()
    {
        Catalog catalog = Catalog.EMPTY;
        for (int i = 0; i < Catalog.MAX_TABLES; i++)
        {
            catalog = catalog.withTable("t" + i);
        }
        assertEquals("the catalog is full (" + Catalog.MAX_TABLES + " tables)", catalog.checkNewTable("one_more"));
    }

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
