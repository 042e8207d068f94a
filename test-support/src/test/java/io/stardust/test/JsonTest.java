package io.stardust.test;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonTest
{
    @Test
    void shouldEscapeQuotesBackslashesAndControlCharacters()
    {
        assertEquals("\"plain\"", Json.quote("plain"));
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001\"", Json.quote("a\"b\\c\nd\re\tf\u0001"));
    }
}
