package io.stardust.server;

import io.stardust.procedure.Procedure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Where a member, or the ops command that registers them, finds procedure classes: jars in a directory. */
final class ProcedureJars
{
    private ProcedureJars()
    {
    }

    /**
     * @param dir a directory of jars, or one jar.
     * @return a loader over them (in name order), after the procedure API's own loader.
     * @throws IllegalArgumentException when {@code dir} is neither.
     */
    static ClassLoader loader(final Path dir)
    {
        final List<URL> urls = new ArrayList<>();
        try
        {
            if (Files.isRegularFile(dir))
            {
                urls.add(dir.toUri().toURL());
            }
            else if (Files.isDirectory(dir))
            {
                try (Stream<Path> files = Files.list(dir))
                {
                    for (final Path jar : files.filter((f) -> f.toString().endsWith(".jar")).sorted().toList())
                    {
                        urls.add(jar.toUri().toURL());
                    }
                }
            }
            else
            {
                throw new IllegalArgumentException("procedures: " + dir + " is neither a directory of jars nor a jar");
            }
        }
        catch (final MalformedURLException ex)
        {
            throw new IllegalArgumentException("procedures: " + ex.getMessage(), ex);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("procedures: cannot list " + dir, ex);
        }
        return new URLClassLoader("procedures", urls.toArray(new URL[0]), Procedure.class.getClassLoader());
    }
}
