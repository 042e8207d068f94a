package io.stardust.scheduler;

/**
 * What the scheduler cannot know by itself: how to update a SQL row by an {@code UPDATE_ROW} op's assignments. The
 * sequencer, which holds the catalog, supplies it; it must be pure (the same inputs give the same bytes everywhere).
 */
@FunctionalInterface
public interface RowOps
{
    /** Refuses every row update: a scheduler without a catalog. */
    RowOps NONE = (tableId, row, assignments) ->
    {
        throw new IllegalStateException("this scheduler updates no SQL rows");
    };

    /**
     * @param tableId     the row's table.
     * @param row         the row's bytes now.
     * @param assignments the op's value.
     * @return the row's bytes after, or null when the update's condition is false (a sum out of range).
     */
    byte[] update(int tableId, byte[] row, byte[] assignments);
}
