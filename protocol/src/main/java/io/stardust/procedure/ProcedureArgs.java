package io.stardust.procedure;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of a procedure call as a commit record carries them: a count (one byte), then per argument its type's
 * code (one byte) and its value: a LONG as 8 big-endian bytes, a STRING (UTF-8) or BYTES as a 4-byte big-endian length
 * and the bytes. Decoding checks everything and names what is wrong, so a malformed call never reaches an epoch.
 */
public final class ProcedureArgs
{
    /** Most arguments of one call. */
    public static final int MAX_ARGS = 64;

    private ProcedureArgs()
    {
    }

    /**
     * @param args {@code Long} (or a smaller integer), {@code String} or {@code byte[]} values, none null.
     * @return their bytes.
     * @throws IllegalArgumentException naming an argument of another type, or too many.
     */
    public static byte[] encode(final List<?> args)
    {
        if (args.size() > MAX_ARGS)
        {
            throw new IllegalArgumentException(args.size() + " arguments; a call takes at most " + MAX_ARGS);
        }
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(args.size());
        for (int i = 0; i < args.size(); i++)
        {
            final Object a = args.get(i);
            final ArgType type = ArgType.of(a);
            if (type == null)
            {
                throw new IllegalArgumentException("argument " + i + " is " + (a == null ? "null" :
                    "a " + a.getClass().getName()) + "; a call passes long, String or byte[] values");
            }
            out.write(type.code());
            switch (type)
            {
                case LONG -> writeLong(out, ((Number)a).longValue());
                case STRING -> writeBytes(out, ((String)a).getBytes(StandardCharsets.UTF_8));
                default -> writeBytes(out, (byte[])a);
            }
        }
        return out.toByteArray();
    }

    /**
     * @param bytes a call's arguments.
     * @return them: {@code Long}, {@code String} or {@code byte[]} values.
     * @throws IllegalArgumentException naming what is malformed.
     */
    public static List<Object> decode(final byte[] bytes)
    {
        if (bytes.length == 0)
        {
            return List.of();
        }
        int at = 0;
        final int count = bytes[at++] & 0xFF;
        if (count > MAX_ARGS)
        {
            throw new IllegalArgumentException(count + " arguments; a call takes at most " + MAX_ARGS);
        }
        final List<Object> args = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            if (at >= bytes.length)
            {
                throw new IllegalArgumentException("the arguments end before argument " + i + " of " + count);
            }
            final int code = bytes[at++] & 0xFF;
            final ArgType type = ArgType.ofCode(code);
            if (type == null)
            {
                throw new IllegalArgumentException("argument " + i + " has an unknown type code " + code +
                    " (1 LONG, 2 STRING, 3 BYTES)");
            }
            if (type == ArgType.LONG)
            {
                need(bytes, at, 8, i);
                long v = 0;
                for (int b = 0; b < 8; b++)
                {
                    v = (v << 8) | (bytes[at++] & 0xFF);
                }
                args.add(v);
                continue;
            }
            need(bytes, at, 4, i);
            final int length = ((bytes[at] & 0xFF) << 24) | ((bytes[at + 1] & 0xFF) << 16) |
                ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
            at += 4;
            if (length < 0)
            {
                throw new IllegalArgumentException("argument " + i + " has a negative length");
            }
            need(bytes, at, length, i);
            final byte[] value = java.util.Arrays.copyOfRange(bytes, at, at + length);
            at += length;
            if (type == ArgType.STRING)
            {
                try
                {
                    args.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(value))
                        .toString());
                }
                catch (final CharacterCodingException ex)
                {
                    throw new IllegalArgumentException("argument " + i + " (STRING) is not valid UTF-8");
                }
            }
            else
            {
                args.add(value);
            }
        }
        if (at != bytes.length)
        {
            throw new IllegalArgumentException((bytes.length - at) + " bytes follow the last of " + count +
                " arguments");
        }
        return args;
    }

    private static void need(final byte[] bytes, final int at, final int n, final int i)
    {
        if (bytes.length - at < n)
        {
            throw new IllegalArgumentException("argument " + i + " is cut short: it needs " + n + " more bytes, " +
                (bytes.length - at) + " are left");
        }
    }

    private static void writeLong(final ByteArrayOutputStream out, final long v)
    {
        for (int s = 56; s >= 0; s -= 8)
        {
            out.write((int)(v >>> s));
        }
    }

    private static void writeBytes(final ByteArrayOutputStream out, final byte[] b)
    {
        out.write(b.length >>> 24);
        out.write(b.length >>> 16);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }
}
