package io.stardust.client;

import io.stardust.protocol.ClusterSpec;
import io.stardust.protocol.codecs.AbortReason;
import io.stardust.protocol.codecs.ErrorCode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientApiTest
{
    private static final ClusterSpec SPEC = ClusterSpec.parse(
        "0=localhost:20000@east,1=localhost:20010@west,2=localhost:20020@west");

    @Test
    void shouldGrowBackoffCeilingExponentiallyUpToTheCap()
    {
        final RetryPolicy policy = new RetryPolicy(10, Duration.ofMillis(1), Duration.ofMillis(10));
        assertEquals(1_000_000, policy.ceilingNanos(1));
        assertEquals(2_000_000, policy.ceilingNanos(2));
        assertEquals(8_000_000, policy.ceilingNanos(4));
        assertEquals(10_000_000, policy.ceilingNanos(5));
        assertEquals(10_000_000, policy.ceilingNanos(1_000), "no overflow on many attempts");
        for (int i = 0; i < 1_000; i++)
        {
            final long delay = policy.delayNanos(3);
            assertTrue(delay >= 0 && delay <= 4_000_000, "jitter within [0, ceiling]: " + delay);
        }
    }

    @Test
    void shouldRejectNonsensicalRetryPolicy()
    {
        assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
            () -> new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(1)));
    }

    @Test
    void shouldReadFromPreferredMemberElseFirstOfOwnDatacenterElseMemberZero()
    {
        assertEquals(2, new ClientConfig().clusterSpec(SPEC).preferredMember(2).readMember());
        assertEquals(1, new ClientConfig().clusterSpec(SPEC).datacenter("west").readMember());
        assertEquals(0, new ClientConfig().clusterSpec(SPEC).datacenter("north").readMember());
    }

    @Test
    void shouldNameTheBadSettingWhenValidating()
    {
        assertEquals("clusterSpec is required",
            assertThrows(IllegalArgumentException.class, () -> new ClientConfig().validate()).getMessage());
        assertEquals("preferredMember 3 is not in a cluster of 3", assertThrows(IllegalArgumentException.class,
            () -> new ClientConfig().clusterSpec(SPEC).preferredMember(3).validate()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> new ClientConfig().clusterSpec(SPEC).maxTransactionBytes(10).validate()).getMessage()
            .contains("maxTransactionBytes"));
        assertThrows(IllegalArgumentException.class,
            () -> new ClientConfig().clusterSpec(SPEC).commitTimeout(Duration.ZERO).validate());
    }

    @Test
    void shouldNameReasonTableAndKeyInConflictMessage()
    {
        final ConflictException text = ConflictException.of(
            42, AbortReason.READ_AFTER_WRITE_IN_EPOCH, "accounts", "k42".getBytes(UTF_8), 7, 3);
        assertEquals("transaction 42 aborted: READ_AFTER_WRITE_IN_EPOCH on accounts/'k42' (epoch 7, index 3)",
            text.getMessage());
        assertEquals("accounts", text.table());
        assertEquals(7, text.epoch());

        final ConflictException binary = ConflictException.of(
            1, AbortReason.STALE_READ, "t", new byte[] {0, (byte)0xAB}, 1, 0);
        assertTrue(binary.getMessage().contains("t/0x00ab"), binary.getMessage());
    }

    @Test
    void shouldMarkOnlyConflictsRetryable()
    {
        assertTrue(ConflictException.of(1, AbortReason.PHANTOM, "t", new byte[] {1}, 1, 0).isRetryable());
        assertTrue(new SnapshotTooOldException("old").isRetryable());
        final RejectedException rejected = new RejectedException(ErrorCode.UNKNOWN_TABLE, "unknown table 'x'");
        assertFalse(rejected.isRetryable());
        assertEquals("UNKNOWN_TABLE: unknown table 'x'", rejected.getMessage());
        assertFalse(new StardustTimeoutException("late").isRetryable());
    }
}
