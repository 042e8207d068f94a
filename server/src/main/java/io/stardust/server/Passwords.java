package io.stardust.server;

import java.io.Console;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the command line gets a password: a file, the STARDUST_PASSWORD variable, or the terminal. */
final class Passwords
{
    private Passwords()
    {
    }

    /**
     * @param file a file whose first line is the password, or null.
     * @param user whose password, for the prompt.
     * @return the password.
     * @throws IllegalArgumentException when there is none to be had.
     */
    static char[] read(final Path file, final String user)
    {
        if (file != null)
        {
            return fromFile(file);
        }
        final String variable = System.getenv("STARDUST_PASSWORD");
        if (variable != null && !variable.isEmpty())
        {
            return variable.toCharArray();
        }
        final Console console = System.console();
        if (console == null)
        {
            throw new IllegalArgumentException("no password for " + user + ": give --password-file, set " +
                "STARDUST_PASSWORD, or run in a terminal");
        }
        return console.readPassword("password for %s: ", user);
    }

    /**
     * @param file a file whose first line is a password.
     * @return the password.
     * @throws IllegalArgumentException when the first line is missing or empty.
     */
    static char[] fromFile(final Path file)
    {
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the password file " + file + ": " + ex.getMessage(), ex);
        }
        if (lines.isEmpty() || lines.get(0).isEmpty())
        {
            throw new IllegalArgumentException("the password file " + file + " has no password on its first line");
        }
        return lines.get(0).toCharArray();
    }
}
