package io.stardust.server;

import io.stardust.protocol.ClusterSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SqlCommandTest
{
    @Test
    void shouldSplitStatementsAtSemicolonsOutsideQuotesAndComments()
    {
        assertEquals(List.of("SELECT 1", "INSERT INTO t VALUES ('a;b')", "-- a comment; here\nSELECT \"x;y\" FROM t"),
            SqlCommand.split("SELECT 1; INSERT INTO t VALUES ('a;b');\n-- a comment; here\nSELECT \"x;y\" FROM t;"));
        assertEquals(List.of("SELECT 1 /* ; */"), SqlCommand.split("SELECT 1 /* ; */;  \n"));
        assertTrue(SqlCommand.complete("SELECT 1;\n"));
        assertFalse(SqlCommand.complete("SELECT 'a;\n"));
        assertFalse(SqlCommand.complete("SELECT 1\n"));
    }

    @Test
    void shouldMakeTheJdbcUrlOfAClusterSpec()
    {
        assertEquals("jdbc:stardust://localhost:21000@dc1,localhost:21010@dc2/default",
            SqlCommand.url(ClusterSpec.parse("0=localhost:21000,1=localhost:21010@dc2"), "default"));
    }
}
