package io.stardust.server.auth;

import io.stardust.protocol.auth.Scram;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Properties;

/**
 * A member's authentication file, the same on every member (like a key file): the cluster administrator's user and
 * verifier (never the password), and the members' key, with which a member's own clients (its SQL gateway) prove
 * they are members. Written by {@code stardust auth init}, readable by its owner only.
 *
 * @param adminUser     the cluster administrator's user.
 * @param adminVerifier the administrator's verifier.
 * @param memberKey     the members' shared secret.
 */
public record AuthFile(String adminUser, Scram.Verifier adminVerifier, char[] memberKey)
{
    /** The user a member's own clients authenticate as. */
    public static final String MEMBER_USER = "__member";

    /**
     * @param file a file written by {@link #write}.
     * @return its contents.
     * @throws IllegalArgumentException naming what is missing or malformed.
     */
    public static AuthFile read(final Path file)
    {
        final Properties p = new Properties();
        try
        {
            p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the auth file " + file + ": " + ex.getMessage(), ex);
        }
        final String user = p.getProperty("admin.user");
        final String verifier = p.getProperty("admin.verifier");
        final String key = p.getProperty("member.key");
        if (user == null || user.isBlank() || verifier == null || key == null || key.length() < 32)
        {
            throw new IllegalArgumentException("the auth file " + file + " lacks admin.user, admin.verifier or " +
                "member.key (write one with 'stardust auth init')");
        }
        if (user.equals(MEMBER_USER))
        {
            throw new IllegalArgumentException("the administrator cannot be called " + MEMBER_USER);
        }
        return new AuthFile(user.strip(), Scram.Verifier.decode(verifier.strip()), key.strip().toCharArray());
    }

    /**
     * Write a new file with a fresh members' key.
     *
     * @param file     where; must not exist.
     * @param user     the administrator's user.
     * @param password the administrator's password (only its verifier is written).
     */
    public static void write(final Path file, final String user, final char[] password)
    {
        final byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        final String text = "# Stardust authentication: the same file on every member. Keep it secret: member.key " +
            "lets a process act as a member.\n" +
            "admin.user=" + user + "\n" +
            "admin.verifier=" + Scram.newVerifier(password).encode() + "\n" +
            "member.key=" + Base64.getEncoder().encodeToString(key) + "\n";
        try
        {
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
            try
            {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            }
            catch (final UnsupportedOperationException ex)
            {
                // not a POSIX file system: its own permissions apply
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the auth file " + file + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public String toString()
    {
        return "AuthFile(" + adminUser + ")"; // never the key
    }
}
