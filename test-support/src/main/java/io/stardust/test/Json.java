package io.stardust.test;

/** The one JSON helper the harness reports need: a string literal. */
public final class Json
{
    private Json()
    {
    }

    /**
     * @param s any text.
     * @return {@code s} as a JSON string literal: quotes, backslashes and control characters escaped.
     */
    public static String quote(final String s)
    {
        final StringBuilder sb = new StringBuilder("\"");
        for (final char c : s.toCharArray())
        {
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c < 0x20 ? String.format("\\u%04x", (int)c) : String.valueOf(c));
            }
        }
        return sb.append('"').toString();
    }
}
