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
    PHANTOM
}
