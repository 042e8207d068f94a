package io.stardust.test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Bytes a folder really takes on disk, as {@code du} counts them (Stardust's map and log files are sparse). */
public final class DiskUsage
{
    private DiskUsage()
    {
    }

    /**
     * @param path a file or folder; files may come and go while it is measured (purges, renames): it measures again.
     * @return bytes allocated on disk under it.
     */
    public static long allocatedBytes(final File path)
    {
        String last = "";
        for (int attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                final Process du = new ProcessBuilder("du", "-s", "-B1", path.getPath()).redirectErrorStream(true)
                    .start();
                last = new String(du.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (du.waitFor() == 0)
                {
                    return Long.parseLong(last.split("\\s+")[0]);
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }
        throw new IllegalStateException("du " + path + " failed: " + last);
    }
}
