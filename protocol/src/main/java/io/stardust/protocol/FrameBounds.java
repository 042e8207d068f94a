package io.stardust.protocol;

/**
 * Checks a var-data length read from a frame before anything is allocated for it: the length comes from the sender,
 * and a lying one must be refused, not turned into a huge or negative array.
 */
public final class FrameBounds
{
    private FrameBounds()
    {
    }

    /**
     * @param length        the length the frame announces (read as a signed int).
     * @param frameCapacity bytes in the frame.
     * @param what          what the length is of, for the message.
     * @return null when {@code length} can fit in the frame, else a message naming the field and both sizes.
     */
    public static String overrun(final int length, final int frameCapacity, final String what)
    {
        if (length >= 0 && length <= frameCapacity)
        {
            return null;
        }
        return what + " length " + (length & 0xFFFF_FFFFL) + " runs past the end of the " + frameCapacity +
            "-byte frame";
    }
}
