package io.stardust.procedure;

/**
 * The step counter of the procedure call running on this thread. Loaded procedure classes call it from the code the
 * loader adds (at each method entry, backward jump and array allocation); nothing else should.
 */
public final class Steps
{
    private static final ThreadLocal<Budget> CURRENT = new ThreadLocal<>();

    private Steps()
    {
    }

    /** One call's budget. Once spent it stays spent: a procedure cannot catch its way past it. */
    public static final class Budget
    {
        private final long limit;
        private long used;
        private boolean spent;

        /** @param limit steps the call may take. */
        public Budget(final long limit)
        {
            this.limit = limit;
        }

        /** @return steps taken so far. */
        public long used()
        {
            return used;
        }

        /** @return true when the call went past its budget. */
        public boolean spent()
        {
            return spent;
        }

        /** @return the budget. */
        public long limit()
        {
            return limit;
        }

        void take(final long steps)
        {
            if (spent)
            {
                throw new StepBudgetExceeded(limit);
            }
            used += steps;
            if (used > limit)
            {
                spent = true;
                throw new StepBudgetExceeded(limit);
            }
        }
    }

    /** Thrown at the step past the budget, and at every step after it. */
    public static final class StepBudgetExceeded extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        StepBudgetExceeded(final long limit)
        {
            super("the call ran past its step budget of " + limit, null, false, false);
        }
    }

    /**
     * Count steps on this thread against {@code budget} until {@link #end()}.
     *
     * @param budget the call's budget.
     */
    public static void begin(final Budget budget)
    {
        CURRENT.set(budget);
    }

    /** Stop counting on this thread. */
    public static void end()
    {
        CURRENT.remove();
    }

    /** One step (method entry, loop turn, context call). */
    public static void tick()
    {
        take(1);
    }

    /**
     * An allocation of {@code length} elements: a step per 64 elements, at least one, taken before the allocation.
     *
     * @param length the array's length (a negative one fails in the allocation itself).
     */
    public static void alloc(final int length)
    {
        take(1 + Math.max(0, length) / 64);
    }

    private static void take(final long steps)
    {
        final Budget budget = CURRENT.get();
        if (budget != null)
        {
            budget.take(steps);
        }
    }
}
