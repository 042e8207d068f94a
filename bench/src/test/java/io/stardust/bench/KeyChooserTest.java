package io.stardust.bench;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyChooserTest
{
    @Test
    void shouldDrawUniformKeysEvenlyInRange()
    {
        final KeyChooser uniform = KeyChooser.parse("uniform", 10);
        final int[] counts = new int[10];
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++)
        {
            counts[(int)uniform.next(random)]++;
        }
        for (final int c : counts)
        {
            assertTrue(c > 9_000 && c < 11_000, "count " + c);
        }
    }

    @Test
    void shouldGiveZipfRanksTheirTheoreticalShare()
    {
        final long n = 1_000;
        final KeyChooser.Zipf zipf = new KeyChooser.Zipf(n, 0.99);
        double zeta = 0;
        for (long i = 1; i <= n; i++)
        {
            zeta += 1 / Math.pow(i, 0.99);
        }
        final int[] counts = new int[(int)n];
        final SplittableRandom random = new SplittableRandom(2);
        final int draws = 400_000;
        for (int i = 0; i < draws; i++)
        {
            counts[(int)zipf.rank(random)]++;
        }
        // Rank r (0-based) has probability 1 / ((r + 1)^theta * zeta(n)).
        for (final int r : new int[] {0, 1, 9})
        {
            final double expected = draws / (Math.pow(r + 1, 0.99) * zeta);
            assertEquals(expected, counts[r], expected * 0.1, "rank " + r);
        }
        assertTrue(counts[0] > 50 * counts[(int)n - 1] || counts[(int)n - 1] == 0);
    }

    @Test
    void shouldScrambleZipfKeysAcrossTheRange()
    {
        final KeyChooser zipf = KeyChooser.parse("zipf", 1_000_000);
        final SplittableRandom random = new SplittableRandom(3);
        long max = 0;
        for (int i = 0; i < 10_000; i++)
        {
            final long k = zipf.next(random);
            assertTrue(k >= 0 && k < 1_000_000);
            max = Math.max(max, k);
        }
        // Unscrambled, the hottest keys would all be the lowest numbers.
        assertTrue(max > 500_000, "max key " + max);
    }

    @Test
    void shouldRefuseUnknownDistributionsAndBadThetas()
    {
        assertThrows(IllegalArgumentException.class, () -> KeyChooser.parse("gaussian", 10));
        assertThrows(IllegalArgumentException.class, () -> KeyChooser.parse("zipf:1.5", 10));
        assertThrows(IllegalArgumentException.class, () -> KeyChooser.parse("uniform", 1));
    }
}
