package io.stardust.test;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints the tails of the member logs of a failed test: of every {@link ProcessCluster} still open, and of every one
 * closed since the test began (their logs are kept under {@code target/member-logs}). Registered for every test that
 * has test-support on its class path, through JUnit's extension auto-detection ({@code junit-platform.properties}).
 */
public final class MemberLogsOnFailure implements BeforeEachCallback, TestWatcher
{
    private static final int TAIL_LINES = 60;
    private static final List<ProcessCluster> OPEN = new ArrayList<>();
    private static final List<File> KEPT_SINCE_TEST_BEGAN = new ArrayList<>();

    static synchronized void opened(final ProcessCluster cluster)
    {
        OPEN.add(cluster);
    }

    static synchronized void closed(final ProcessCluster cluster)
    {
        OPEN.remove(cluster);
    }

    static synchronized void kept(final File logDir)
    {
        KEPT_SINCE_TEST_BEGAN.add(logDir);
    }

    @Override
    public void beforeEach(final ExtensionContext context)
    {
        synchronized (MemberLogsOnFailure.class)
        {
            KEPT_SINCE_TEST_BEGAN.clear();
        }
    }

    @Override
    public void testFailed(final ExtensionContext context, final Throwable cause)
    {
        System.err.println(report(context.getDisplayName()));
    }

    /**
     * @param testName the failed test's name.
     * @return the tails of every open cluster's member logs and of every log kept since the test began.
     */
    static synchronized String report(final String testName)
    {
        final StringBuilder sb = new StringBuilder("=== member logs of failed test ").append(testName).append(" ===\n");
        for (final ProcessCluster cluster : OPEN)
        {
            sb.append("open cluster ").append(cluster.spec()).append('\n').append(cluster.logTails(TAIL_LINES));
        }
        for (final File dir : KEPT_SINCE_TEST_BEGAN)
        {
            final File[] logs = dir.listFiles((d, name) -> name.endsWith(".log"));
            if (logs == null)
            {
                continue;
            }
            java.util.Arrays.sort(logs);
            for (final File log : logs)
            {
                sb.append("--- ").append(log).append(", last lines ---\n").append(tail(log, TAIL_LINES));
            }
        }
        return sb.toString();
    }

    static String tail(final File file, final int lines)
    {
        try
        {
            final List<String> all = Files.readAllLines(file.toPath(), java.nio.charset.StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
        }
        catch (final IOException ex)
        {
            return "(unreadable: " + ex.getMessage() + ")\n";
        }
    }
}
