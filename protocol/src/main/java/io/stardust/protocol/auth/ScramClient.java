package io.stardust.protocol.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The client's side of one {@link Scram} exchange: its first message names the database, the user and a fresh
 * nonce; its answer to the server's challenge is a proof. The password never leaves this object.
 */
public final class ScramClient
{
    /** Marks a Stardust credential, and its version. */
    static final String MECHANISM = "SCRAM-SHA-256/1";

    private final String database;
    private final String user;
    private final char[] password;
    private byte[] clientNonce;

    /**
     * @param database the database to log in to.
     * @param user     the user.
     * @param password the password; copied, and cleared by {@link #clear()}.
     */
    public ScramClient(final String database, final String user, final char[] password)
    {
        this.database = database;
        this.user = user;
        this.password = password.clone();
    }

    /** @return the first message: mechanism, database, user and a fresh nonce. */
    public byte[] initialMessage()
    {
        clientNonce = Scram.nonce();
        return (MECHANISM + '\0' + database + '\0' + user + '\0' + Base64.getEncoder().encodeToString(clientNonce))
            .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param challenge the server's challenge.
     * @return the proof to send.
     * @throws IllegalArgumentException when the challenge is malformed.
     */
    public byte[] respond(final byte[] challenge)
    {
        if (clientNonce == null)
        {
            throw new IllegalStateException("no initial message was sent");
        }
        final ScramServer.Challenge c = ScramServer.Challenge.decode(challenge);
        final byte[] salted = Scram.saltedPassword(password, c.salt(), c.iterations());
        return Scram.clientProof(salted, Scram.authMessage(database, user, clientNonce, c.serverNonce()));
    }

    /** Forget the password. */
    public void clear()
    {
        Arrays.fill(password, '\0');
    }

    @Override
    public String toString()
    {
        return "ScramClient(" + database + ", " + user + ")"; // never the password
    }
}
