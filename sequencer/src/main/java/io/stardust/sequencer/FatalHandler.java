package io.stardust.sequencer;

/**
 * Told when this replica cannot go on: it must stop at once, serve nothing more, and recover from its snapshot plus
 * the log when started again.
 */
@FunctionalInterface
public interface FatalHandler
{
    /** Exit code of a member whose disk is nearly full (storage refused writes that could fill it). */
    int DISK_FULL = 3;
    /** Exit code of a member whose write to a memory-mapped file faulted on a full disk. */
    int DISK_FAULT = 4;
    /** Exit code of a member that could not finish applying an epoch. */
    int APPLY_FAILED = 5;
    /** Exit code of a member whose own configuration conflicts with the cluster's replicated settings. */
    int SETTINGS_CONFLICT = 6;
    /** Exit code of a member that lacks a registered procedure's class, or holds other bytes for it. */
    int PROCEDURE_MISMATCH = 7;

    /**
     * @param reason   what happened, for the log.
     * @param exitCode the process's documented exit code.
     */
    void fatal(String reason, int exitCode);
}
