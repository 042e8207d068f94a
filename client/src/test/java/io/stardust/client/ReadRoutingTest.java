package io.stardust.client;

import io.stardust.protocol.ClusterSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadRoutingTest
{
    private static final ClusterSpec SPEC = ClusterSpec.parse(
        "0=localhost:20000@dc1,1=localhost:20010@dc2,2=localhost:20020@dc3,3=localhost:20030@dc2");

    private static MemberStatus status(final int id, final String dc, final long applied, final boolean catchingUp)
    {
        return new MemberStatus(id, id == 0 ? "LEADER" : "FOLLOWER", dc, applied, 1, 1000, 0, 0, 0, 1, null,
            catchingUp, 0, 0, "", 0, 0);
    }

    private static void refresh(final ReadRouting routing, final MemberStatus... statuses)
    {
        final long[] rtts = new long[statuses.length];
        for (int i = 0; i < rtts.length; i++)
        {
            // dc1 nearest, then dc2, then dc3, as measured by the client in dc2 below
            rtts[i] = statuses[i] == null ? 0 : switch (statuses[i].datacenter())
            {
                case "dc2" -> 100_000;
                case "dc1" -> 5_000_000;
                default -> 40_000_000;
            };
        }
        routing.onRefresh(statuses, rtts);
    }

    @Test
    void shouldServeFromTheClientsDatacenterAndFollowItsMembersHealth()
    {
        final ReadRouting routing = new ReadRouting(SPEC, "dc2", -1);
        assertEquals(1, routing.pick(0), "the first member of the client's datacenter");
        refresh(routing, status(0, "dc1", 10, false), status(1, "dc2", 10, false), status(2, "dc3", 10, false),
            status(3, "dc2", 10, false));
        assertEquals(1, routing.pick(10));

        routing.onTimeout(1);
        assertEquals(3, routing.pick(10), "the other member of the same datacenter");
        routing.onTimeout(3);
        assertEquals(0, routing.pick(10), "then the nearest datacenter by measured round trip");

        refresh(routing, status(0, "dc1", 12, false), status(1, "dc2", 12, false), status(2, "dc3", 12, false),
            null);
        assertEquals(1, routing.pick(12), "a member that answers again is served from again");
    }

    @Test
    void shouldSkipMembersThatAreCatchingUpLaggingOrBehind()
    {
        final ReadRouting routing = new ReadRouting(SPEC, "dc2", -1);
        refresh(routing, status(0, "dc1", 5_000, false), status(1, "dc2", 10, true), status(2, "dc3", 5_000, false),
            status(3, "dc2", 5_000 - ReadRouting.DEFAULT_MAX_LAG_EPOCHS - 1, false));
        assertEquals(0, routing.pick(5_000), "1 is catching up and 3 lags: the nearest healthy member");
        final List<ReadRouting.MemberView> views = routing.members();
        assertTrue(views.get(1).catchingUp() && views.get(1).avoided());
        assertTrue(views.get(3).behind() && views.get(3).avoided());
        assertEquals(ReadRouting.DEFAULT_MAX_LAG_EPOCHS + 1, views.get(3).lagEpochs());

        routing.onBehind(0, 5_001);
        assertEquals(2, routing.pick(5_001), "0 said BEHIND");
        assertEquals(2, routing.next(0, 1L << 0, 5_001));
        assertEquals(1, routing.next(2, 1L << 0 | 1L << 2, 5_001), "every healthy member tried: the best avoided one");
        assertEquals(-1, routing.next(3, 0b1111, 5_001), "every member tried");

        refresh(routing, status(0, "dc1", 5_001, false), status(1, "dc2", 5_001, false),
            status(2, "dc3", 5_001, false), status(3, "dc2", 5_001, false));
        assertEquals(1, routing.pick(5_001), "all caught up: back to the client's datacenter");
        assertEquals(List.of(1, 3, 0, 2), routing.order());
    }

    @Test
    void shouldBeSteeredToAnotherDatacenter()
    {
        final ReadRouting routing = new ReadRouting(SPEC, "dc2", -1);
        routing.steer("dc3");
        assertEquals("dc3", routing.servingDatacenter());
        assertEquals(2, routing.pick(0));
        routing.steer(null);
        assertEquals(1, routing.pick(0));
        assertThrows(IllegalArgumentException.class, () -> routing.steer("dc9"));
        assertThrows(IllegalArgumentException.class, () -> routing.steer(" "));
        assertThrows(IllegalArgumentException.class, () -> new ReadRouting(SPEC, "", -1));
    }

    @Test
    void shouldHonourAPreferredMemberWhileItIsHealthyAndAPinAlways()
    {
        final ReadRouting routing = new ReadRouting(SPEC, "dc2", 2);
        assertEquals(2, routing.pick(0));
        routing.onTimeout(2);
        assertEquals(1, routing.pick(0));
        refresh(routing, status(0, "dc1", 1, false), status(1, "dc2", 1, false), status(2, "dc3", 1, false),
            status(3, "dc2", 1, false));
        assertEquals(2, routing.pick(0), "back to the preferred member once it answers");

        routing.pin(0);
        routing.onTimeout(0);
        assertEquals(0, routing.pick(0), "a pin holds whatever the policy knows");
        routing.pin(-1);
        assertEquals(2, routing.pick(0));
    }
}
