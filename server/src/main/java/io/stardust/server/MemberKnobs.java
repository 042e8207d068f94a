package io.stardust.server;

import io.stardust.protocol.codecs.Knob;

/**
 * A member's local knobs: they change what the member spends (threads, CPU, wake-ups), never an outcome, so they are
 * set on one member without going through the log. Knobs that can change outcomes (batch window, epoch limits,
 * admission) are replicated settings and change only through control records.
 *
 * <p>Every member serves this through its read endpoint ({@code SetKnob}); {@code stardust ops} and the resource
 * controller use it.
 */
public interface MemberKnobs
{
    /**
     * Set a knob.
     *
     * @param knob  which.
     * @param value its new value, in the knob's unit (see {@link Knob}).
     * @return the value now in force.
     * @throws IllegalArgumentException when the value is out of the knob's range, naming the range.
     * @throws UnsupportedOperationException when this member cannot turn this knob, saying why.
     */
    long set(Knob knob, long value);

    /**
     * @param knob which.
     * @return its value now; for a knob this member cannot turn, -1.
     */
    long get(Knob knob);
}
