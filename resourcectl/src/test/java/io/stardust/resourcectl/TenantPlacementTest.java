package io.stardust.resourcectl;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TenantPlacementTest
{
    /** Where each database is, moved as the placement says, as the controller would. */
    private final Map<String, String> where = new HashMap<>(Map.of("shop", "dc1", "blog", "dc1", "crm", "dc2"));
    private final Map<String, Double> rate = new HashMap<>(Map.of("shop", 50.0, "blog", 20.0, "crm", 30.0));
    private final TenantPlacement placement = new TenantPlacement(1.0, 3, 0.1, 3);

    /** One period with dc1's budget and headroom as given; dc2 roomy, dc3 tight but not under pressure. */
    private List<TenantPlacement.Move> period(final double dc1Budget, final double dc1Headroom)
    {
        final List<TenantPlacement.Move> moves = placement.decide(
            where.keySet().stream().sorted().map((n) -> new TenantPlacement.Tenant(n, where.get(n), rate.get(n)))
                .toList(),
            List.of(new TenantPlacement.Datacenter("dc1", dc1Budget, dc1Headroom, false),
                new TenantPlacement.Datacenter("dc2", 60, 40, false),
                new TenantPlacement.Datacenter("dc3", 10, 5, false)));
        for (final TenantPlacement.Move m : moves)
        {
            assertEquals(where.get(m.database()), m.from());
            where.put(m.database(), m.to());
        }
        return moves;
    }

    @Test
    void shouldShedBusyDatabasesOfADatacenterWhoseBudgetDroppedOneAPeriodAndBringThemBack()
    {
        assertTrue(period(40, 30).isEmpty(), "nothing to do while no datacenter is under pressure");
        final List<TenantPlacement.Move> first = period(10, -10);
        assertEquals(1, first.size());
        assertEquals("shop", first.get(0).database(), "the busiest first");
        assertEquals("dc2", first.get(0).to(), "to the datacenter with the most headroom");
        assertTrue(first.get(0).reason().contains("dc1 is under pressure"), first.get(0).reason());
        assertEquals("blog", period(10, -5).get(0).database(), "one a period");
        for (int k = 0; k < 5; k++)
        {
            assertTrue(period(10, 6).isEmpty(), "nothing left to shed, and not back while the budget is still low");
        }
        assertEquals("dc1", placement.home("shop"));

        assertTrue(period(40, 30).isEmpty());
        assertTrue(period(40, 30).isEmpty(), "not back before dc1 has been free of pressure for 3 periods");
        final List<TenantPlacement.Move> back = period(40, 30);
        assertEquals(1, back.size());
        assertEquals("dc1", back.get(0).to());
        assertTrue(back.get(0).reason().contains("free of pressure for 3 periods"), back.get(0).reason());
        period(40, 30);
        assertEquals(Map.of("shop", "dc1", "blog", "dc1", "crm", "dc2"), where, "all home again");
        assertTrue(period(40, 30).isEmpty());
    }

    @Test
    void shouldParkAnIdleDatabaseWhereCapacityIsScarceAndBringItHomeWhenItWakes()
    {
        rate.put("crm", 0.2);
        assertTrue(period(40, 30).isEmpty());
        assertTrue(period(40, 30).isEmpty(), "quiet for 2 periods is not idle yet");
        final List<TenantPlacement.Move> parked = period(40, 30);
        assertEquals(List.of("crm"), parked.stream().map(TenantPlacement.Move::database).toList());
        assertEquals("dc3", parked.get(0).to(), "the datacenter with the least headroom");
        assertTrue(parked.get(0).reason().contains("idle"), parked.get(0).reason());
        assertTrue(period(40, 30).isEmpty(), "parked stays parked");

        rate.put("crm", 12.0);
        final List<TenantPlacement.Move> woke = period(40, 30);
        assertEquals("dc2", woke.get(0).to(), "home as soon as its load returns");
        assertTrue(woke.get(0).reason().contains("awake again"), woke.get(0).reason());
    }

    @Test
    void shouldRefuseNonsenseSettings()
    {
        assertThrows(IllegalArgumentException.class, () -> new TenantPlacement(-1, 3, 0.1, 3));
        assertThrows(IllegalArgumentException.class, () -> new TenantPlacement(1, 0, 0.1, 3));
        assertThrows(IllegalArgumentException.class, () -> new TenantPlacement(1, 3, 1.5, 3));
    }
}
