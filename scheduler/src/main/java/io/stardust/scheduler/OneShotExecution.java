package io.stardust.scheduler;

/**
 * How the scheduler runs an epoch's one-shots. Both give the same effects (each one-shot sees every earlier
 * transaction of the epoch); they differ only in how much runs at once. A local knob: it never changes an outcome.
 */
public enum OneShotExecution
{
    /**
     * Group one-shots by the keys they share (connected components); each group runs alone, in index order, on one
     * worker. Little coordination; a group that hot keys join together runs on one worker.
     */
    GROUPS,
    /**
     * Calvin's ordered locks: a one-shot runs once every earlier one-shot naming one of its keys has run, so one-shots
     * of a group that do not share a key with each other run at once. More coordination per one-shot.
     */
    ORDERED_LOCKS
}
