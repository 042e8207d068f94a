package io.stardust.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The server's side of one {@link Scram} exchange: read the client's first message, look the user's verifier up,
 * challenge, and check the proof. An unknown database or user is challenged like a known one (with a salt derived
 * from the name), so that the answer does not tell which users exist; the proof then fails.
 */
public final class ScramServer
{
    /** Where a user's verifier comes from. */
    @FunctionalInterface
    public interface Lookup
    {
        /**
         * @param database the database the client logs in to.
         * @param user     the user.
         * @return the verifier and the principal it would authenticate as, or null when there is none.
         */
        Entry find(String database, String user);
    }

    /**
     * A user's verifier and who they are once proven.
     *
     * @param verifier  what the server keeps of the password.
     * @param principal who the session authenticates as.
     */
    public record Entry(Scram.Verifier verifier, Principal principal)
    {
    }

    /**
     * The server's challenge.
     *
     * @param salt        the verifier's salt.
     * @param iterations  its iteration count.
     * @param serverNonce a fresh nonce.
     */
    public record Challenge(byte[] salt, int iterations, byte[] serverNonce)
    {
        /** @return its bytes. */
        public byte[] encode()
        {
            final Base64.Encoder b64 = Base64.getEncoder();
            return (b64.encodeToString(salt) + ':' + iterations + ':' + b64.encodeToString(serverNonce))
                .getBytes(StandardCharsets.UTF_8);
        }

        static Challenge decode(final byte[] bytes)
        {
            final String[] parts = new String(bytes, StandardCharsets.UTF_8).split(":", -1);
            if (parts.length != 3)
            {
                throw new IllegalArgumentException("malformed challenge");
            }
            try
            {
                return new Challenge(Base64.getDecoder().decode(parts[0]), Integer.parseInt(parts[1]),
                    Base64.getDecoder().decode(parts[2]));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("malformed challenge");
            }
        }
    }

    private final String database;
    private final String user;
    private final byte[] clientNonce;
    private final Entry entry;
    private final Scram.Verifier verifier;
    private final byte[] serverNonce = Scram.nonce();

    private ScramServer(final String database, final String user, final byte[] clientNonce, final Entry entry,
        final Scram.Verifier verifier)
    {
        this.database = database;
        this.user = user;
        this.clientNonce = clientNonce;
        this.entry = entry;
        this.verifier = verifier;
    }

    /**
     * @param initial the client's first message.
     * @param lookup  where verifiers come from.
     * @return the exchange.
     * @throws IllegalArgumentException when the message is not a Stardust credential (no credentials, or another
     *                                  kind); the message says which.
     */
    public static ScramServer start(final byte[] initial, final Lookup lookup)
    {
        if (initial == null || initial.length == 0)
        {
            throw new IllegalArgumentException("no credentials: this cluster requires a database, a user and a " +
                "password");
        }
        if (initial.length > 1024)
        {
            throw new IllegalArgumentException("credentials of " + initial.length + " bytes; at most 1024");
        }
        final String[] parts = new String(initial, StandardCharsets.UTF_8).split("\0", -1);
        if (parts.length != 4 || !ScramClient.MECHANISM.equals(parts[0]))
        {
            throw new IllegalArgumentException("credentials are not " + ScramClient.MECHANISM);
        }
        final byte[] clientNonce;
        try
        {
            clientNonce = Base64.getDecoder().decode(parts[3]);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("credentials carry a malformed nonce");
        }
        if (clientNonce.length < 8)
        {
            throw new IllegalArgumentException("credentials carry a nonce of " + clientNonce.length + " bytes");
        }
        final Entry entry = lookup.find(parts[1], parts[2]);
        final Scram.Verifier verifier = entry != null ? entry.verifier() : decoy(parts[1], parts[2]);
        return new ScramServer(parts[1], parts[2], clientNonce, entry, verifier);
    }

    /** A verifier no password matches, with a salt stable for the name: an unknown user looks like a known one. */
    private static Scram.Verifier decoy(final String database, final String user)
    {
        final byte[] salt = java.util.Arrays.copyOf((database + "/" + user + "/stardust").getBytes(
            StandardCharsets.UTF_8), Scram.NONCE_BYTES);
        return new Scram.Verifier(salt, Scram.ITERATIONS, Scram.nonce(), Scram.nonce());
    }

    /** @return the database the client asked for. */
    public String database()
    {
        return database;
    }

    /** @return the user the client named. */
    public String user()
    {
        return user;
    }

    /** @return the challenge to send. */
    public byte[] challenge()
    {
        return new Challenge(verifier.salt(), verifier.iterations(), serverNonce).encode();
    }

    /**
     * @param proof the client's answer to the challenge.
     * @return who the client is, or null when the proof is wrong (or the user unknown).
     */
    public Principal finish(final byte[] proof)
    {
        final boolean valid = Scram.verify(verifier, Scram.authMessage(database, user, clientNonce, serverNonce),
            proof);
        return valid && entry != null ? entry.principal() : null;
    }
}
