package io.stardust.bench;

import java.util.Locale;
import java.util.SplittableRandom;

/** The workloads: YCSB's core mixes A, B, C and F, and contended bank transfers. */
public enum Workload
{
    /** 50% reads, 50% blind updates. */
    YCSB_A(0.50, 0.50),
    /** 95% reads, 5% blind updates. */
    YCSB_B(0.95, 0.05),
    /** Reads only. */
    YCSB_C(1.0, 0.0),
    /** 50% reads, 50% read-modify-writes. */
    YCSB_F(0.50, 0.0),
    /** Transfers between two accounts chosen from a small set (the keys follow the chosen distribution). */
    BANK(0.0, 0.0);

    /** One operation. */
    public enum Op
    {
        READ, UPDATE, READ_MODIFY_WRITE, TRANSFER
    }

    private final double read;
    private final double update;

    /** The rest of the mix, after reads and updates, is read-modify-writes. */
    Workload(final double read, final double update)
    {
        this.read = read;
        this.update = update;
    }

    /** @return the next operation. */
    public Op next(final SplittableRandom random)
    {
        if (this == BANK)
        {
            return Op.TRANSFER;
        }
        final double u = random.nextDouble();
        if (u < read)
        {
            return Op.READ;
        }
        return u < read + update ? Op.UPDATE : Op.READ_MODIFY_WRITE;
    }

    /** @return the name used on the command line and in reports, for example {@code ycsb-f}. */
    public String label()
    {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @param label as {@link #label()}.
     * @return the workload.
     */
    public static Workload parse(final String label)
    {
        for (final Workload w : values())
        {
            if (w.label().equals(label))
            {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload '" + label + "'; expected ycsb-a, ycsb-b, ycsb-c, " +
            "ycsb-f or bank");
    }
}
