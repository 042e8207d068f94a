package io.stardust.planner;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * SQL behaviour tests as data: one file per feature, in the sqllogictest style. Records are separated by blank lines:
 * <pre>
 * # a comment
 * session b                      -- run what follows in session b (a, the first, by default)
 *
 * statement ok
 * CREATE TABLE t (k BIGINT PRIMARY KEY, v VARCHAR(10))
 *
 * statement error 23505 duplicate key
 * INSERT INTO t VALUES (1, 'x')
 *
 * query IT rowsort               -- column kinds (documentation), then rowsort or nosort (the default)
 * SELECT k, v FROM t
 * ----
 * 1	x                          -- values separated by a tab; NULL for null
 * </pre>
 * An expected error names its SQLSTATE and, optionally, words its message must contain. Every failure is reported
 * with its file and line, and the run goes on to the end of the file.
 */
public final class SqlScript
{
    /** A SQL error as the script compares it. */
    public record Failure(String sqlState, String message)
    {
    }

    /** Where the script's statements run: sessions of SqlSession, or connections of the JDBC driver. */
    public interface Endpoint extends AutoCloseable
    {
        /**
         * @param session the session's name.
         * @param sql     a statement.
         * @return its rows rendered as text (null for a statement without rows), or the failure.
         */
        Object run(String session, String sql);

        @Override
        void close();
    }

    private SqlScript()
    {
    }

    /**
     * @param resource a script on the class path, e.g. {@code sql/joins.test}.
     * @param endpoint where to run it.
     * @return the failures, one per line; empty when every record held.
     */
    public static List<String> run(final String resource, final Endpoint endpoint)
    {
        final String text;
        try (InputStream in = SqlScript.class.getClassLoader().getResourceAsStream(resource))
        {
            if (in == null)
            {
                throw new IllegalArgumentException("no script " + resource + " on the class path");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        final List<String> failures = new ArrayList<>();
        final String[] lines = text.split("\n", -1);
        String session = "a";
        int i = 0;
        while (i < lines.length)
        {
            final String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                i++;
                continue;
            }
            final int at = i + 1;
            if (line.startsWith("session "))
            {
                session = line.substring(8).strip();
                i++;
                continue;
            }
            final List<String> sql = new ArrayList<>();
            final List<String> expected = new ArrayList<>();
            i++;
            boolean rows = false;
            while (i < lines.length && !lines[i].isBlank())
            {
                if (lines[i].equals("----"))
                {
                    rows = true;
                }
                else if (rows)
                {
                    expected.add(lines[i]);
                }
                else
                {
                    sql.add(lines[i]);
                }
                i++;
            }
            final String statement = String.join("\n", sql);
            final String where = resource + ":" + at + ": ";
            final Object result = endpoint.run(session, statement);
            if (line.equals("statement ok"))
            {
                if (result instanceof Failure f)
                {
                    failures.add(where + "expected ok, got " + f.sqlState() + " " + f.message());
                }
            }
            else if (line.startsWith("statement error"))
            {
                final String[] words = line.substring("statement error".length()).strip().split(" ", 2);
                if (!(result instanceof Failure f))
                {
                    failures.add(where + "expected error " + line.substring(16) + ", got success");
                }
                else if (!words[0].isEmpty() && !f.sqlState().equals(words[0]))
                {
                    failures.add(where + "expected SQLSTATE " + words[0] + ", got " + f.sqlState() + " " +
                        f.message());
                }
                else if (words.length > 1 && !f.message().contains(words[1]))
                {
                    failures.add(where + "expected a message containing '" + words[1] + "', got " + f.message());
                }
            }
            else if (line.startsWith("query"))
            {
                if (result instanceof Failure f)
                {
                    failures.add(where + "query failed: " + f.sqlState() + " " + f.message());
                    continue;
                }
                @SuppressWarnings("unchecked")
                final List<String> actual = result == null ? List.of() : new ArrayList<>((List<String>)result);
                final List<String> want = new ArrayList<>(expected);
                if (line.contains("rowsort"))
                {
                    actual.sort(null);
                    want.sort(null);
                }
                if (!actual.equals(want))
                {
                    failures.add(where + "rows differ\n  expected: " + want + "\n  actual:   " + actual);
                }
            }
            else
            {
                failures.add(where + "unknown record '" + line + "'");
            }
        }
        return failures;
    }

    /**
     * @param value   a value as SqlSession returns it.
     * @param sqlType its column's {@link java.sql.Types} code.
     * @return the value as scripts write it.
     */
    public static String render(final Object value, final int sqlType)
    {
        if (value == null)
        {
            return "NULL";
        }
        if (sqlType == java.sql.Types.DATE && value instanceof Integer days)
        {
            return LocalDate.ofEpochDay(days).toString();
        }
        if (sqlType == java.sql.Types.TIMESTAMP && value instanceof Long millis)
        {
            return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
                .format(Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC));
        }
        if (value instanceof BigDecimal d)
        {
            return d.toPlainString();
        }
        return value.toString();
    }

    /** Runs scripts through {@link SqlSession}s on one backend. */
    public static final class Sessions implements Endpoint
    {
        private final java.util.Map<String, SqlSession> sessions = new java.util.HashMap<>();
        private final java.util.function.Supplier<SqlSession> open;

        /**
         * @param open makes a session.
         */
        public Sessions(final java.util.function.Supplier<SqlSession> open)
        {
            this.open = open;
        }

        @Override
        public Object run(final String session, final String sql)
        {
            try
            {
                final SqlResult result = sessions.computeIfAbsent(session, (s) -> open.get()).execute(sql, List.of());
                if (!result.isQuery())
                {
                    return null;
                }
                final List<String> rows = new ArrayList<>();
                for (final Object[] row : result.rows())
                {
                    final StringBuilder sb = new StringBuilder();
                    for (int c = 0; c < row.length; c++)
                    {
                        sb.append(c == 0 ? "" : "\t").append(render(row[c], result.columns().get(c).sqlType()));
                    }
                    rows.add(sb.toString());
                }
                return rows;
            }
            catch (final SqlError ex)
            {
                return new Failure(ex.sqlState(), ex.getMessage());
            }
        }

        @Override
        public void close()
        {
            sessions.clear();
        }
    }
}
