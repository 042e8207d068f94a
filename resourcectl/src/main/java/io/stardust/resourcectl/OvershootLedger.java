package io.stardust.resourcectl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The energy spent over budget and not yet paid back.
 *
 * <p>Every control period adds {@code (P - C) * dt} joules when power P was over the budget C, and takes
 * {@code (C - P) * dt} off when it was under, down to 0: running under budget pays the debt back. The debt carries
 * over from one window to the next until it is paid. Windows of length T are aligned to the start of the trace; a
 * period counts in the window where it starts. Each window's net balance, {@code sum((C - P) * dt)} over it, is kept
 * for evaluation (the goal: 0 or more at the end of every window).
 *
 * <p>{@link #save} writes the ledger durably (a temporary file, fsync, an atomic rename, then fsync of the
 * directory), so a restarted controller {@link #load}s it and resumes the payback.
 */
public final class OvershootLedger
{
    private static final String MAGIC = "stardust-ledger 1";

    private final double windowSeconds;
    private double seconds;
    private double debtJoules;
    private double overJoules;
    private long window;
    private double windowNetJoules;
    private final List<Double> closedWindowNet = new ArrayList<>();

    /** @param windowSeconds the window length T. */
    public OvershootLedger(final double windowSeconds)
    {
        if (!(windowSeconds > 0) || !Double.isFinite(windowSeconds))
        {
            throw new IllegalArgumentException("the window must be longer than 0 s, not " + windowSeconds);
        }
        this.windowSeconds = windowSeconds;
    }

    /**
     * Account one control period.
     *
     * @param start      when it started, in seconds from the start of the trace.
     * @param length     its length in seconds.
     * @param watts      the power drawn over it.
     * @param budgetWatts the budget over it.
     */
    public void record(final double start, final double length, final double watts, final double budgetWatts)
    {
        if (!(length > 0) || !(start >= 0) || !Double.isFinite(watts) || !Double.isFinite(budgetWatts))
        {
            throw new IllegalArgumentException("a period needs a start of 0 s or more, a length above 0 s and finite " +
                "watts: start " + start + ", length " + length + ", watts " + watts + ", budget " + budgetWatts);
        }
        final long w = (long)Math.floor(start / windowSeconds);
        while (window < w)
        {
            closedWindowNet.add(windowNetJoules);
            windowNetJoules = 0;
            window++;
        }
        final double over = (watts - budgetWatts) * length;
        windowNetJoules -= over;
        if (over > 0)
        {
            overJoules += over;
        }
        debtJoules = Math.max(0, debtJoules + over);
        seconds = Math.max(seconds, start + length);
    }

    /**
     * Start the windows again from time 0, for a new budget trace: the window in progress closes with its balance so
     * far, and the debt carries over.
     */
    public void newTrace()
    {
        if (seconds > 0)
        {
            closedWindowNet.add(windowNetJoules);
        }
        windowNetJoules = 0;
        window = 0;
        seconds = 0;
    }

    /** @return joules over budget not yet paid back. */
    public double debtJoules()
    {
        return debtJoules;
    }

    /** @return every joule ever spent over budget, paid or not. */
    public double overJoules()
    {
        return overJoules;
    }

    /** @return the end of the last period recorded, in seconds from the start of the trace. */
    public double seconds()
    {
        return seconds;
    }

    /** @return the window T. */
    public double windowSeconds()
    {
        return windowSeconds;
    }

    /** @return the net balance so far of the window in progress. */
    public double windowNetJoules()
    {
        return windowNetJoules;
    }

    /** @return the net balance of each window closed since this ledger was made or loaded, oldest first. */
    public List<Double> closedWindowNetJoules()
    {
        return List.copyOf(closedWindowNet);
    }

    /**
     * Write this ledger to {@code file} durably.
     *
     * @param file where.
     * @throws IOException when it cannot be written or forced.
     */
    public void save(final Path file) throws IOException
    {
        final String text = MAGIC + "\n" +
            "window-seconds=" + windowSeconds + "\n" +
            "seconds=" + seconds + "\n" +
            "debt-joules=" + debtJoules + "\n" +
            "over-joules=" + overJoules + "\n" +
            "window=" + window + "\n" +
            "window-net-joules=" + windowNetJoules + "\n";
        final Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            final ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining())
            {
                ch.write(bytes);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ))
        {
            d.force(true);
        }
    }

    /**
     * @param file          a ledger written by {@link #save}; absent means a new, empty ledger.
     * @param windowSeconds the window T the controller runs with; must match the file's.
     * @return the ledger.
     * @throws IOException when the file exists but cannot be read.
     * @throws IllegalArgumentException when it is not a ledger, is damaged, or was kept with another window.
     */
    public static OvershootLedger load(final Path file, final double windowSeconds) throws IOException
    {
        final OvershootLedger ledger = new OvershootLedger(windowSeconds);
        if (!Files.exists(file))
        {
            return ledger;
        }
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !MAGIC.equals(lines.get(0)))
        {
            throw new IllegalArgumentException(file + " is not a Stardust overshoot ledger (first line \"" +
                (lines.isEmpty() ? "" : lines.get(0)) + "\", expected \"" + MAGIC + "\")");
        }
        final Map<String, String> fields = new HashMap<>();
        for (final String line : lines.subList(1, lines.size()))
        {
            final int eq = line.indexOf('=');
            if (eq > 0)
            {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        try
        {
            final double kept = Double.parseDouble(required(fields, "window-seconds", file));
            if (kept != windowSeconds)
            {
                throw new IllegalArgumentException(file + " was kept with windows of " + kept + " s, not " +
                    windowSeconds + " s; run with that window, or move the ledger aside to start a new one");
            }
            ledger.seconds = Double.parseDouble(required(fields, "seconds", file));
            ledger.debtJoules = Double.parseDouble(required(fields, "debt-joules", file));
            ledger.overJoules = Double.parseDouble(required(fields, "over-joules", file));
            ledger.window = Long.parseLong(required(fields, "window", file));
            ledger.windowNetJoules = Double.parseDouble(required(fields, "window-net-joules", file));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(file + " is damaged: " + ex.getMessage(), ex);
        }
        if (!(ledger.debtJoules >= 0) || !(ledger.seconds >= 0) || ledger.window < 0)
        {
            throw new IllegalArgumentException(file + " is damaged: negative debt, time or window");
        }
        return ledger;
    }

    private static String required(final Map<String, String> fields, final String key, final Path file)
    {
        final String value = fields.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException(file + " is damaged: it has no " + key);
        }
        return value;
    }
}
