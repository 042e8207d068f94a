package io.stardust.procedure;

/**
 * What a procedure call may touch: the keys the call named (by index, in the call's order) as the log has left them
 * at the call's position, and its arguments. Every method is a step of the call's budget.
 */
public interface ProcedureContext
{
    /** @return how many keys the call named. */
    int keyCount();

    /** @return key {@code i}'s bytes. */
    byte[] key(int i);

    /** @return key {@code i}'s value now (the call's own writes included), or null when it has none. */
    byte[] get(int i);

    /**
     * @return key {@code i}'s counter: its value as 8 big-endian bytes, 0 when it has none.
     * @throws IllegalStateException when its value is not 8 bytes (the call then fails).
     */
    long getLong(int i);

    /** Write key {@code i}'s value; it applies only when the call ends without aborting. */
    void put(int i, byte[] value);

    /** Write key {@code i}'s counter as 8 big-endian bytes. */
    void putLong(int i, long value);

    /** Delete key {@code i}. */
    void delete(int i);

    /** @return how many arguments the call passed. */
    int argCount();

    /** @return argument {@code i}, a LONG. */
    long argLong(int i);

    /** @return argument {@code i}, a STRING. */
    String argString(int i);

    /** @return a copy of argument {@code i}, BYTES. */
    byte[] argBytes(int i);

    /**
     * Abort the call because a condition it states is false: nothing it wrote applies, and the client gets
     * {@code CONDITION_FAILED} with {@code reason}. Does not return.
     *
     * @param reason why, for the client.
     * @return never; declared so that callers may write {@code throw context.abort(...)}.
     */
    RuntimeException abort(String reason);
}
