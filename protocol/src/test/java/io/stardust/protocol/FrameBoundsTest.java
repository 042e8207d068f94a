package io.stardust.protocol;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class FrameBoundsTest
{
    @Test
    void shouldAcceptLengthsUpToTheFrame()
    {
        assertNull(FrameBounds.overrun(0, 64, "key"));
        assertNull(FrameBounds.overrun(64, 64, "key"));
    }

    @Test
    void shouldNameTheFieldAndSizesOfALyingLength()
    {
        assertEquals("value length 65 runs past the end of the 64-byte frame", FrameBounds.overrun(65, 64, "value"));
        // A negative int on the wire is a huge unsigned length: say so, not "-1".
        assertEquals("key length 4294967295 runs past the end of the 64-byte frame", FrameBounds.overrun(-1, 64, "key"));
    }
}
