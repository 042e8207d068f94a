package io.stardust.conformance;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suite's invariant checks other than the history checker (which has its own tests), each shown catching a
 * planted fault and passing the valid case.
 */
class SuiteChecksTest
{
    private static Long[] balances(final long... values)
    {
        return Arrays.stream(values).boxed().toArray(Long[]::new);
    }

    private static Long[] consistent()
    {
        final Long[] b = new Long[BankWorkload.ACCOUNTS];
        Arrays.fill(b, BankWorkload.INITIAL);
        return b;
    }

    @Test
    void shouldCatchALostOrDoubledOneShotTransferInATally()
    {
        assertNull(BankWorkload.tallyProblem(0, 10, 10, 0));
        assertNull(BankWorkload.tallyProblem(0, 12, 10, 3), "up to the unknown ones may have applied");
        final String lost = BankWorkload.tallyProblem(1, 9, 10, 0);
        assertTrue(lost != null && lost.contains("were lost"), lost);
        final String twice = BankWorkload.tallyProblem(2, 11, 10, 0);
        assertTrue(twice != null && twice.contains("applied twice"), twice);
    }

    @Test
    void shouldPassEqualDigests()
    {
        final DigestComparison.Outcome outcome = DigestComparison.compare(7, Map.of(0, 11L, 1, 11L, 2, 11L), true);
        assertTrue(outcome.compared());
        assertNull(outcome.problem());
    }

    @Test
    void shouldCatchAPlantedDigestMismatchAndNameTheMembers()
    {
        final DigestComparison.Outcome outcome = DigestComparison.compare(7, Map.of(0, 11L, 1, 11L, 2, 12L), false);
        assertTrue(outcome.compared());
        assertNotNull(outcome.problem());
        assertTrue(outcome.problem().contains("epoch 7"), outcome.problem());
        assertTrue(outcome.problem().contains("members [2] digest c"), outcome.problem());
        assertTrue(outcome.problem().contains("members [0, 1] digest b"), outcome.problem());
    }

    @Test
    void shouldCatchAMismatchBetweenTwoHolders()
    {
        assertNotNull(DigestComparison.compare(3, Map.of(0, 1L, 2, 2L), false).problem());
    }

    @Test
    void shouldSkipAnOldEpochHeldByOneMemberButFailTheLastOne()
    {
        final DigestComparison.Outcome old = DigestComparison.compare(3, Map.of(1, 5L), false);
        assertFalse(old.compared());
        assertNull(old.problem());
        final DigestComparison.Outcome last = DigestComparison.compare(3, Map.of(1, 5L), true);
        assertFalse(last.compared());
        assertNotNull(last.problem());
    }

    @Test
    void shouldPassConsistentBalances()
    {
        assertNull(BankWorkload.violation(consistent(), "a read", false));
        final Long[] moved = consistent();
        moved[0] = 60L;
        moved[5] = 140L;
        assertNull(BankWorkload.violation(moved, "a read", false));
    }

    @Test
    void shouldCatchAPlantedLostTransferHalf()
    {
        final Long[] lost = consistent();
        lost[3] = 90L;
        final String problem = BankWorkload.violation(lost, "a read", false);
        assertNotNull(problem);
        assertTrue(problem.contains("total 790"), problem);
    }

    @Test
    void shouldCatchANegativeBalanceEvenWhenTheTotalIsRight()
    {
        final Long[] negative = consistent();
        negative[0] = -10L;
        negative[1] = 210L;
        assertNotNull(BankWorkload.violation(negative, "a read", false));
    }

    @Test
    void shouldCatchASnapshotWithSomeAccountsMissing()
    {
        final Long[] partial = consistent();
        partial[6] = null;
        final String problem = BankWorkload.violation(partial, "a read", false);
        assertNotNull(problem);
        assertTrue(problem.contains("1 of 8 accounts missing"), problem);
    }

    @Test
    void shouldAcceptASnapshotFromBeforeSetupButNotInTheFinalRead()
    {
        final Long[] none = new Long[BankWorkload.ACCOUNTS];
        assertNull(BankWorkload.violation(none, "a read", false));
        assertNotNull(BankWorkload.violation(none, BankWorkload.FINAL_READ, true));
    }

    @Test
    void shouldUseTheAccountCountForTheExpectedTotal()
    {
        assertEquals(8, BankWorkload.ACCOUNTS);
        assertNull(BankWorkload.violation(balances(100, 100, 100, 100, 100, 100, 100, 100), "a read", false));
    }
}
