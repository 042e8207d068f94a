package io.stardust.procedure;

/**
 * A deterministic procedure: Java code that every replica runs at a transaction's log position, over the keys the
 * call names, so that a read-modify-write never aborts on a conflict.
 * <p>
 * The rules, checked when a member loads the class (a class that breaks one is refused, naming the rule):
 * <ul>
 *   <li>one public class with a public no-argument constructor, implementing this interface; no nested classes, no
 *       static initializer and no static fields but compile-time constants (a fresh instance serves each call);</li>
 *   <li>it reads and writes only through its {@link ProcedureContext}: only the keys the call named, by index;</li>
 *   <li>it uses only {@code java.lang} basics (String, StringBuilder, Math, the boxes, exceptions), {@code Arrays},
 *       {@code ByteBuffer} and {@code StandardCharsets}: no clock, no randomness, no threads, no I/O, no reflection,
 *       no identity hash codes (so no {@code hashCode} or {@code toString} of an object that has no value-based
 *       one), no lambdas;</li>
 *   <li>no recursion among its own methods.</li>
 * </ul>
 * Its steps are counted, never its time: each call through the context, each method entered, each backward jump (a
 * loop's turn) and each 64 elements of an array it allocates is a step. Past its registered budget, the call aborts
 * ({@code STEP_BUDGET_EXCEEDED}). An exception it throws aborts its call alone ({@code PROCEDURE_FAILED}), and
 * {@link ProcedureContext#abort} aborts it as a false condition ({@code CONDITION_FAILED}). Nothing of an aborted call
 * applies.
 */
public interface Procedure
{
    /** @return the types of the arguments a call passes, in order: fixed for the class. */
    ArgType[] parameters();

    /**
     * Run one call.
     *
     * @param context the call's keys and arguments.
     */
    void run(ProcedureContext context);
}
