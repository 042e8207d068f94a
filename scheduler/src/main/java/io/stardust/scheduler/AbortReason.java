package io.stardust.scheduler;

/**
 * Why validation aborted a transaction. Ordinals match the wire enum of the same name.
 */
public enum AbortReason
{
    /** Committed. */
    NONE,
    /** A key read was overwritten by an earlier epoch. */
    STALE_READ,
    /** An earlier transaction of the same epoch writes a key this one read. */
    READ_AFTER_WRITE_IN_EPOCH,
    /** A key in a scanned range was written after the scan's snapshot, or by an earlier transaction of the epoch. */
    PHANTOM,
    /** Planned against an older catalog: decided by the sequencer before the scheduler sees it, never here. */
    SCHEMA_CHANGED,
    /** A one-shot transaction's stated condition was false at its log position; never a conflict. */
    CONDITION_FAILED,
    /** A procedure call threw; it alone aborted. */
    PROCEDURE_FAILED,
    /** A procedure call ran past its step budget; it alone aborted. */
    STEP_BUDGET_EXCEEDED
}
