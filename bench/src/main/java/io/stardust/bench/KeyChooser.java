package io.stardust.bench;

import java.util.SplittableRandom;

/**
 * Picks record numbers in {@code [0, records)}: uniformly, or with a Zipfian skew (YCSB's "zipfian" request
 * distribution: Gray et al.'s generator, then scrambled by a hash so the popular records are spread over the key
 * space instead of being the lowest numbers).
 */
public abstract class KeyChooser
{
    protected final long records;

    KeyChooser(final long records)
    {
        if (records < 2)
        {
            throw new IllegalArgumentException("need at least 2 records, got " + records);
        }
        this.records = records;
    }

    /** @return the next record number. */
    public abstract long next(SplittableRandom random);

    /** @return the distribution's name, for reports. */
    public abstract String name();

    /**
     * @param name    {@code uniform} or {@code zipf} (theta 0.99) or {@code zipf:THETA}.
     * @param records record count.
     * @return the chooser.
     */
    public static KeyChooser parse(final String name, final long records)
    {
        if (name.equals("uniform"))
        {
            return new Uniform(records);
        }
        if (name.equals("zipf"))
        {
            return new Zipf(records, 0.99);
        }
        if (name.startsWith("zipf:"))
        {
            return new Zipf(records, Double.parseDouble(name.substring(5)));
        }
        throw new IllegalArgumentException("unknown key distribution '" + name + "'; expected uniform, zipf or " +
            "zipf:THETA");
    }

    /** Every record equally likely. */
    public static final class Uniform extends KeyChooser
    {
        public Uniform(final long records)
        {
            super(records);
        }

        @Override
        public long next(final SplittableRandom random)
        {
            return random.nextLong(records);
        }

        @Override
        public String name()
        {
            return "uniform";
        }
    }

    /** Record of rank r (1-based) drawn with probability proportional to 1 / r^theta, ranks scrambled. */
    public static final class Zipf extends KeyChooser
    {
        private final double theta;
        private final double zetaN;
        private final double alpha;
        private final double eta;
        private final double halfPowTheta;

        public Zipf(final long records, final double theta)
        {
            super(records);
            if (!(theta > 0 && theta < 1))
            {
                throw new IllegalArgumentException("zipf theta must be in (0, 1), got " + theta);
            }
            this.theta = theta;
            this.zetaN = zeta(records, theta);
            final double zeta2 = zeta(2, theta);
            this.alpha = 1.0 / (1.0 - theta);
            this.eta = (1 - Math.pow(2.0 / records, 1 - theta)) / (1 - zeta2 / zetaN);
            this.halfPowTheta = Math.pow(0.5, theta);
        }

        private static double zeta(final long n, final double theta)
        {
            double sum = 0;
            for (long i = 1; i <= n; i++)
            {
                sum += 1.0 / Math.pow(i, theta);
            }
            return sum;
        }

        /** @return a rank in [0, records), 0 the most popular. */
        long rank(final SplittableRandom random)
        {
            final double u = random.nextDouble();
            final double uz = u * zetaN;
            if (uz < 1.0)
            {
                return 0;
            }
            if (uz < 1.0 + halfPowTheta)
            {
                return 1;
            }
            return Math.min(records - 1, (long)(records * Math.pow(eta * u - eta + 1, alpha)));
        }

        @Override
        public long next(final SplittableRandom random)
        {
            return Math.floorMod(fnv(rank(random)), records);
        }

        @Override
        public String name()
        {
            return theta == 0.99 ? "zipf" : "zipf:" + theta;
        }

        /** FNV-1a over the 8 bytes of {@code value}. */
        static long fnv(final long value)
        {
            long hash = 0xcbf29ce484222325L;
            for (int i = 0; i < 8; i++)
            {
                hash ^= (value >>> (i * 8)) & 0xff;
                hash *= 0x100000001b3L;
            }
            return hash;
        }
    }
}
