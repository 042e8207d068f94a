package io.stardust.procedure;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcedureArgsTest
{
    @Test
    void shouldRoundTripEachTypeInOrder()
    {
        final List<Object> args = List.of(-7L, "héllo", new byte[] {1, 2, 3}, Long.MAX_VALUE, "", new byte[0]);
        final List<Object> back = ProcedureArgs.decode(ProcedureArgs.encode(args));
        assertEquals(args.size(), back.size());
        for (int i = 0; i < args.size(); i++)
        {
            if (args.get(i) instanceof byte[] b)
            {
                assertArrayEquals(b, (byte[])back.get(i));
            }
            else
            {
                assertEquals(args.get(i), back.get(i));
            }
        }
        assertEquals(3L, ProcedureArgs.decode(ProcedureArgs.encode(List.of(3))).get(0), "an int passes as a LONG");
        assertEquals(List.of(), ProcedureArgs.decode(new byte[0]));
    }

    @Test
    void shouldRefuseWhatItCannotCarryAndMalformedBytesNamingTheProblem()
    {
        final IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
            () -> ProcedureArgs.encode(List.of(1L, 2.5)));
        assertEquals("argument 1 is a java.lang.Double; a call passes long, String or byte[] values",
            type.getMessage());
        assertEquals("argument 0 has an unknown type code 9 (1 LONG, 2 STRING, 3 BYTES)", assertThrows(
            IllegalArgumentException.class, () -> ProcedureArgs.decode(new byte[] {1, 9})).getMessage());
        assertEquals("argument 0 (STRING) is not valid UTF-8", assertThrows(IllegalArgumentException.class,
            () -> ProcedureArgs.decode(new byte[] {1, 2, 0, 0, 0, 1, (byte)0xFF})).getMessage());
        assertEquals("1 bytes follow the last of 1 arguments", assertThrows(IllegalArgumentException.class,
            () -> ProcedureArgs.decode(new byte[] {1, 3, 0, 0, 0, 0, 5})).getMessage());
        final byte[] good = ProcedureArgs.encode(List.of(5L, "text", new byte[] {9}));
        for (int cut = 1; cut < good.length; cut++)
        {
            final byte[] shorter = Arrays.copyOf(good, cut);
            assertThrows(IllegalArgumentException.class, () -> ProcedureArgs.decode(shorter), "cut at " + cut);
        }
        final Random random = new Random(5);
        for (int i = 0; i < 5_000; i++)
        {
            final byte[] garbage = good.clone();
            garbage[random.nextInt(garbage.length)] = (byte)random.nextInt(256);
            try
            {
                assertTrue(ProcedureArgs.decode(garbage).size() <= ProcedureArgs.MAX_ARGS);
            }
            catch (final IllegalArgumentException expected)
            {
                // refused with a message
            }
        }
    }
}
