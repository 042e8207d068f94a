package io.stardust.server;

import io.stardust.protocol.ClusterSpec;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code stardust sql}: a SQL shell over the JDBC driver. Interactive with line editing and history, or one
 * statement with {@code -e}, or a file of statements; results as aligned tables with timing.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = {"A SQL shell: statements end with ';'. \\q quits, \\timing turns timing on or off.",
        "With -e, runs one statement (or several, separated by ';'); with a FILE (or '-' for stdin), runs its " +
            "statements in order and stops at the first error (exit code 1)."})
public final class SqlCommand implements Callable<Integer>
{
    @Option(names = "--cluster", required = true, description = "Members as id=host:basePort[@datacenter],...")
    String cluster;

    @Option(names = {"-e", "--execute"}, description = "Run these statements and exit.")
    String execute;

    @Option(names = "--database", defaultValue = "default", description = "The database (default: ${DEFAULT-VALUE}).")
    String database;

    @Option(names = "--datacenter", defaultValue = "dc1",
        description = "This client's datacenter: the session goes to a gateway there (default: ${DEFAULT-VALUE}).")
    String datacenter;

    @Option(names = "--no-timing", description = "Do not print how long each statement took.")
    boolean noTiming;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "Statements to run, or '-' for stdin.")
    String file;

    private boolean timing;

    @Override
    public Integer call() throws Exception
    {
        timing = !noTiming;
        try (Connection c = DriverManager.getConnection(url(ClusterSpec.parse(cluster), database) +
            "?datacenter=" + java.net.URLEncoder.encode(datacenter, StandardCharsets.UTF_8)))
        {
            if (execute != null)
            {
                return runAll(c, execute, "-e", System.out) ? 0 : 1;
            }
            if (file != null)
            {
                final String text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) :
                    Files.readString(Path.of(file));
                return runAll(c, text, file, System.out) ? 0 : 1;
            }
            if (System.console() == null)
            {
                final String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
                return runAll(c, text, "stdin", System.out) ? 0 : 1;
            }
            interactive(c);
            return 0;
        }
    }

    /**
     * @param spec     the cluster.
     * @param database the database.
     * @return its JDBC URL.
     */
    static String url(final ClusterSpec spec, final String database)
    {
        return io.stardust.jdbc.StardustDriver.url(spec, database);
    }

    private void interactive(final Connection c) throws IOException
    {
        final Terminal terminal = TerminalBuilder.builder().system(true).build();
        final LineReader reader = LineReaderBuilder.builder().terminal(terminal)
            .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".stardust_history"))
            .build();
        final PrintStream out = new PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
        out.println("stardust sql: connected to " + cluster + " (" + database + "). Statements end with ';', " +
            "\\q quits.");
        final StringBuilder pending = new StringBuilder();
        while (true)
        {
            final String line;
            try
            {
                line = reader.readLine(pending.length() == 0 ? "stardust> " : "     ...> ");
            }
            catch (final UserInterruptException ex)
            {
                pending.setLength(0);
                continue;
            }
            catch (final EndOfFileException ex)
            {
                return;
            }
            final String trimmed = line.strip();
            if (pending.length() == 0 && (trimmed.equals("\\q") || trimmed.equalsIgnoreCase("quit") ||
                trimmed.equalsIgnoreCase("exit")))
            {
                return;
            }
            if (pending.length() == 0 && trimmed.equals("\\timing"))
            {
                timing = !timing;
                out.println("timing is " + (timing ? "on" : "off"));
                continue;
            }
            pending.append(line).append('\n');
            final List<String> statements = split(pending.toString());
            if (!complete(pending.toString()))
            {
                continue;
            }
            pending.setLength(0);
            for (final String sql : statements)
            {
                run(c, sql, out);
            }
        }
    }

    private boolean runAll(final Connection c, final String text, final String source, final PrintStream out)
    {
        for (final String sql : split(text))
        {
            if (!run(c, sql, out))
            {
                out.println("stopped at the first error (" + source + ")");
                return false;
            }
        }
        return true;
    }

    /** @return true when the statement succeeded. */
    private boolean run(final Connection c, final String sql, final PrintStream out)
    {
        final long start = System.nanoTime();
        try (Statement s = c.createStatement())
        {
            if (s.execute(sql))
            {
                try (ResultSet rs = s.getResultSet())
                {
                    printTable(rs, out);
                }
            }
            else
            {
                out.println(tag(sql) + (s.getUpdateCount() > 0 ? " " + s.getUpdateCount() : ""));
            }
            if (timing)
            {
                out.printf("Time: %.3f ms%n", (System.nanoTime() - start) / 1e6);
            }
            return true;
        }
        catch (final SQLException ex)
        {
            out.println("ERROR " + ex.getSQLState() + ": " + message(ex));
            return false;
        }
    }

    /** The server's words, without Avatica's wrapping. */
    static String message(final SQLException ex)
    {
        final String m = String.valueOf(ex.getMessage());
        final int remote = m.lastIndexOf("Remote driver error: ");
        String text = remote >= 0 ? m.substring(remote + "Remote driver error: ".length()) : m;
        final int nl = text.indexOf('\n');
        if (nl >= 0)
        {
            text = text.substring(0, nl);
        }
        return text;
    }

    private static String tag(final String sql)
    {
        final String[] words = sql.strip().split("\\s+", 3);
        return (words[0] + (words.length > 1 && (words[0].equalsIgnoreCase("create") ||
            words[0].equalsIgnoreCase("drop") || words[0].equalsIgnoreCase("alter")) ? " " + words[1] : ""))
            .toUpperCase(java.util.Locale.ROOT);
    }

    /** Prints a result as an aligned table, with its row count. */
    static void printTable(final ResultSet rs, final PrintStream out) throws SQLException
    {
        final ResultSetMetaData md = rs.getMetaData();
        final int n = md.getColumnCount();
        final List<String[]> rows = new ArrayList<>();
        final int[] widths = new int[n];
        final boolean[] right = new boolean[n];
        final String[] header = new String[n];
        for (int i = 0; i < n; i++)
        {
            header[i] = md.getColumnLabel(i + 1);
            widths[i] = header[i].length();
            final int t = md.getColumnType(i + 1);
            right[i] = t == java.sql.Types.BIGINT || t == java.sql.Types.INTEGER || t == java.sql.Types.SMALLINT ||
                t == java.sql.Types.DECIMAL || t == java.sql.Types.DOUBLE;
        }
        while (rs.next())
        {
            final String[] row = new String[n];
            for (int i = 0; i < n; i++)
            {
                final Object v = rs.getObject(i + 1);
                row[i] = v == null ? "NULL" : v instanceof java.math.BigDecimal d ? d.toPlainString() :
                    rs.getString(i + 1);
                widths[i] = Math.max(widths[i], row[i].length());
            }
            rows.add(row);
        }
        out.println(line(header, widths, new boolean[n]));
        final StringBuilder rule = new StringBuilder();
        for (int i = 0; i < n; i++)
        {
            rule.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
        }
        out.println(rule);
        for (final String[] row : rows)
        {
            out.println(line(row, widths, right));
        }
        out.println("(" + rows.size() + (rows.size() == 1 ? " row)" : " rows)"));
    }

    private static String line(final String[] cells, final int[] widths, final boolean[] right)
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.length; i++)
        {
            sb.append(i == 0 ? "" : " | ");
            final String pad = " ".repeat(widths[i] - cells[i].length());
            sb.append(right[i] ? pad + cells[i] : cells[i] + (i == cells.length - 1 ? "" : pad));
        }
        return sb.toString();
    }

    /** @return true when the text ends with ';' outside quotes and comments (or is only blank). */
    static boolean complete(final String text)
    {
        final List<String> parts = splitKeepingTail(text);
        return parts.get(parts.size() - 1).isBlank();
    }

    /** @return the statements of a text, split at ';' outside quotes and comments, blank ones dropped. */
    static List<String> split(final String text)
    {
        final List<String> parts = splitKeepingTail(text);
        final List<String> out = new ArrayList<>();
        for (final String p : parts)
        {
            if (!stripComments(p).isBlank())
            {
                out.add(p.strip());
            }
        }
        return out;
    }

    private static String stripComments(final String s)
    {
        return s.replaceAll("(?m)--.*$", "").replaceAll("(?s)/\\*.*?\\*/", "");
    }

    private static List<String> splitKeepingTail(final String text)
    {
        final List<String> parts = new ArrayList<>();
        final StringBuilder current = new StringBuilder();
        char quote = 0;
        boolean lineComment = false;
        boolean blockComment = false;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            final char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            if (lineComment)
            {
                lineComment = c != '\n';
            }
            else if (blockComment)
            {
                if (c == '*' && next == '/')
                {
                    blockComment = false;
                    current.append(c);
                    i++;
                    current.append(next);
                    continue;
                }
            }
            else if (quote != 0)
            {
                if (c == quote)
                {
                    quote = 0;
                }
            }
            else if (c == '\'' || c == '"')
            {
                quote = c;
            }
            else if (c == '-' && next == '-')
            {
                lineComment = true;
            }
            else if (c == '/' && next == '*')
            {
                blockComment = true;
            }
            else if (c == ';')
            {
                parts.add(current.toString());
                current.setLength(0);
                continue;
            }
            current.append(c);
        }
        parts.add(current.toString());
        return parts;
    }
}
