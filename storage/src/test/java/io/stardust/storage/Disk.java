package io.stardust.storage;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/** What files really take on disk and how many memory mappings the JVM holds, for tests and measurements. */
final class Disk
{
    private Disk()
    {
    }

    /**
     * @param path a file or directory.
     * @return bytes allocated on disk ({@code du}, not the apparent length: table files are sparse).
     */
    static long allocatedBytes(final File path)
    {
        try
        {
            final Process du = new ProcessBuilder("du", "-s", "-B1", path.getPath()).redirectErrorStream(true).start();
            final String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (du.waitFor() != 0)
            {
                throw new IllegalStateException("du failed: " + out);
            }
            return Long.parseLong(out.split("\\s+")[0]);
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

    /**
     * @return memory mappings of this process. Procfs files report a size of 0, so they are read as a stream.
     */
    static long mappings()
    {
        try (Stream<String> lines = Files.lines(Paths.get("/proc/self/maps")))
        {
            return lines.count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param field a field of /proc/self/status measured in kB, such as {@code VmRSS}, {@code RssAnon} (heap and
     *              other private memory) or {@code RssFile} (mapped file pages, which the kernel can drop).
     * @return its value in bytes.
     */
    static long status(final String field)
    {
        try (Stream<String> lines = Files.lines(Paths.get("/proc/self/status")))
        {
            return lines.filter((l) -> l.startsWith(field + ":"))
                .mapToLong((l) -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(-1);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param dir a directory.
     * @return files in it (recursively).
     */
    static long files(final File dir)
    {
        try (Stream<Path> paths = Files.walk(dir.toPath()))
        {
            return paths.filter(Files::isRegularFile).count();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
