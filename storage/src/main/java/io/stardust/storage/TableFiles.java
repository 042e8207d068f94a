package io.stardust.storage;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * Names of table map files: {@code <id>-<name>.<generation>.cm}, a new generation each time a table moves to a
 * bigger map. The name {@code <id>-<name>.cm} of earlier versions counts as generation 0. A bigger map is filled under
 * the name {@link #filling} and renamed when complete, so a crash while a table grows never leaves a partial map under
 * a generation's name.
 */
final class TableFiles
{
    private static final String SUFFIX = ".cm";
    private static final String FILLING = ".filling";

    private TableFiles()
    {
    }

    /**
     * @return the file of a generation of a table's map.
     */
    static File file(final File directory, final int id, final String name, final int generation)
    {
        return new File(directory, prefix(id, name) + generation + SUFFIX);
    }

    /**
     * @param file the file of a generation.
     * @return the name it has while being filled.
     */
    static File filling(final File file)
    {
        return new File(file.getParentFile(), file.getName() + FILLING);
    }

    /**
     * @param file a file of the table, from {@link #newest}.
     * @return its generation.
     */
    static int generation(final File file, final int id, final String name)
    {
        final String fileName = file.getName();
        final String prefix = prefix(id, name);
        return fileName.equals(legacy(id, name)) ? 0 :
            parseGeneration(fileName.substring(prefix.length(), fileName.length() - SUFFIX.length()));
    }

    /**
     * Find the newest map file of a table, deleting older ones and partly filled ones (left behind by a crash while
     * the table grew).
     *
     * @return the file, or null when the table has none.
     */
    static File newest(final File directory, final int id, final String name)
    {
        final String prefix = prefix(id, name);
        final String legacy = legacy(id, name);
        final File[] partial = directory.listFiles((dir, file) -> file.startsWith(prefix) &&
            file.endsWith(SUFFIX + FILLING) &&
            parseGeneration(file.substring(prefix.length(), file.length() - SUFFIX.length() - FILLING.length())) >= 0);
        for (final File file : partial == null ? new File[0] : partial)
        {
            delete(file);
        }
        final File[] files = directory.listFiles((dir, file) -> file.equals(legacy) ||
            file.startsWith(prefix) && file.endsWith(SUFFIX) &&
            parseGeneration(file.substring(prefix.length(), file.length() - SUFFIX.length())) >= 0);
        if (files == null)
        {
            return null;
        }
        File newest = null;
        for (final File file : files)
        {
            if (newest == null || generation(file, id, name) > generation(newest, id, name))
            {
                newest = file;
            }
        }
        for (final File file : files)
        {
            if (file != newest)
            {
                delete(file);
            }
        }
        return newest;
    }

    private static void delete(final File file)
    {
        try
        {
            Files.deleteIfExists(file.toPath());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete stale table file " + file, ex);
        }
    }

    private static String prefix(final int id, final String name)
    {
        return id + "-" + inFileName(name) + ".";
    }

    private static String legacy(final int id, final String name)
    {
        return id + "-" + inFileName(name) + SUFFIX;
    }

    /** A database's table is named {@code database/table}: its file is {@code database@table}, in the directory. */
    private static String inFileName(final String name)
    {
        return name.replace('/', '@');
    }

    private static int parseGeneration(final String digits)
    {
        if (digits.isEmpty() || digits.length() > 9)
        {
            return -1;
        }
        for (int i = 0; i < digits.length(); i++)
        {
            if (!Character.isDigit(digits.charAt(i)))
            {
                return -1;
            }
        }
        return Integer.parseInt(digits);
    }
}
