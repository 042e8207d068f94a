package io.stardust.protocol.auth;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Salted challenge-response authentication in the manner of SCRAM-SHA-256 (RFC 5802, RFC 7677): the server keeps a
 * {@link Verifier} (salt, iteration count, StoredKey, ServerKey), never the password; the client proves it knows
 * the password for one challenge without sending it, or anything a listener could replay.
 * <ol>
 *   <li>SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations); ClientKey = HMAC(SaltedPassword,
 *       "Client Key"); StoredKey = SHA-256(ClientKey); ServerKey = HMAC(SaltedPassword, "Server Key").</li>
 *   <li>The client sends its user and a nonce; the server answers with the salt, the iteration count and its own
 *       nonce.</li>
 *   <li>AuthMessage names the database, the user and both nonces. The client sends ClientProof = ClientKey XOR
 *       HMAC(StoredKey, AuthMessage); the server recovers ClientKey from it and checks SHA-256(ClientKey) against
 *       StoredKey.</li>
 * </ol>
 * Whoever holds a verifier (the log, a snapshot) cannot log in with it: it lacks ClientKey.
 */
public final class Scram
{
    /** PBKDF2 iterations of new verifiers. */
    public static final int ITERATIONS = 4096;
    /** Bytes of a salt and of a nonce. */
    public static final int NONCE_BYTES = 18;
    /** Most iterations a verifier may ask for (a bound on the work a server makes a client do). */
    public static final int MAX_ITERATIONS = 1_000_000;
    private static final String PREFIX = "scram-sha-256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private Scram()
    {
    }

    /**
     * What a server keeps of a password.
     *
     * @param salt       the salt.
     * @param iterations PBKDF2 iterations.
     * @param storedKey  SHA-256 of ClientKey.
     * @param serverKey  HMAC(SaltedPassword, "Server Key").
     */
    public record Verifier(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey)
    {
        /** @return the text form: {@code scram-sha-256:iterations:salt:storedKey:serverKey}, Base64. */
        public String encode()
        {
            final Base64.Encoder b64 = Base64.getEncoder();
            return PREFIX + ":" + iterations + ":" + b64.encodeToString(salt) + ":" + b64.encodeToString(storedKey) +
                ":" + b64.encodeToString(serverKey);
        }

        /**
         * @param text the text form.
         * @return the verifier.
         * @throws IllegalArgumentException naming what is wrong.
         */
        public static Verifier decode(final String text)
        {
            final String[] parts = text == null ? new String[0] : text.split(":", -1);
            if (parts.length != 5 || !PREFIX.equals(parts[0]))
            {
                throw new IllegalArgumentException("not a credential verifier (expected " + PREFIX +
                    ":iterations:salt:storedKey:serverKey)");
            }
            final int iterations;
            try
            {
                iterations = Integer.parseInt(parts[1]);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("verifier iteration count '" + parts[1] + "' is not a number");
            }
            if (iterations < 1 || iterations > MAX_ITERATIONS)
            {
                throw new IllegalArgumentException("verifier iteration count " + iterations + " is not in 1.." +
                    MAX_ITERATIONS);
            }
            final Base64.Decoder b64 = Base64.getDecoder();
            final byte[] salt = b64.decode(parts[2]);
            final byte[] storedKey = b64.decode(parts[3]);
            final byte[] serverKey = b64.decode(parts[4]);
            if (salt.length < 8 || storedKey.length != 32 || serverKey.length != 32)
            {
                throw new IllegalArgumentException("verifier salt or keys have the wrong length");
            }
            return new Verifier(salt, iterations, storedKey, serverKey);
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Verifier v && v.iterations == iterations && Arrays.equals(v.salt, salt) &&
                Arrays.equals(v.storedKey, storedKey) && Arrays.equals(v.serverKey, serverKey);
        }

        @Override
        public int hashCode()
        {
            return Arrays.hashCode(storedKey);
        }

        @Override
        public String toString()
        {
            return "Verifier(iterations " + iterations + ")"; // never the keys
        }
    }

    /**
     * @param password a password.
     * @return a verifier for it with a fresh random salt.
     */
    public static Verifier newVerifier(final char[] password)
    {
        return verifier(password, nonce(), ITERATIONS);
    }

    /**
     * @param password   a password.
     * @param salt       a salt.
     * @param iterations PBKDF2 iterations.
     * @return its verifier.
     */
    public static Verifier verifier(final char[] password, final byte[] salt, final int iterations)
    {
        final byte[] salted = saltedPassword(password, salt, iterations);
        return new Verifier(salt.clone(), iterations, sha256(hmac(salted, "Client Key")), hmac(salted, "Server Key"));
    }

    /** @return random bytes for a salt or a nonce. */
    public static byte[] nonce()
    {
        final byte[] bytes = new byte[NONCE_BYTES];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /**
     * @param password   the password.
     * @param salt       the server's salt.
     * @param iterations the server's iteration count.
     * @return PBKDF2-HMAC-SHA-256 of the password.
     */
    public static byte[] saltedPassword(final char[] password, final byte[] salt, final int iterations)
    {
        if (iterations < 1 || iterations > MAX_ITERATIONS)
        {
            throw new IllegalArgumentException("iteration count " + iterations + " is not in 1.." + MAX_ITERATIONS);
        }
        try
        {
            final PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
            try
            {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            }
            finally
            {
                spec.clearPassword();
            }
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", ex);
        }
    }

    /**
     * @param database    the database the client logs in to.
     * @param user        the user.
     * @param clientNonce the client's nonce.
     * @param serverNonce the server's nonce.
     * @return the message both sides sign.
     */
    public static byte[] authMessage(final String database, final String user, final byte[] clientNonce,
        final byte[] serverNonce)
    {
        final Base64.Encoder b64 = Base64.getEncoder();
        return ("d=" + database + ",n=" + user + ",r=" + b64.encodeToString(clientNonce) + ",s=" +
            b64.encodeToString(serverNonce)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param saltedPassword the client's {@link #saltedPassword}.
     * @param authMessage    from {@link #authMessage}.
     * @return the proof to send.
     */
    public static byte[] clientProof(final byte[] saltedPassword, final byte[] authMessage)
    {
        final byte[] clientKey = hmac(saltedPassword, "Client Key");
        return xor(clientKey, hmac(sha256(clientKey), authMessage));
    }

    /**
     * @param verifier    what the server keeps.
     * @param authMessage from {@link #authMessage}.
     * @param proof       the client's proof.
     * @return true when the client knows the password.
     */
    public static boolean verify(final Verifier verifier, final byte[] authMessage, final byte[] proof)
    {
        if (proof == null || proof.length != verifier.storedKey().length)
        {
            return false;
        }
        final byte[] clientKey = xor(proof, hmac(verifier.storedKey(), authMessage));
        return MessageDigest.isEqual(sha256(clientKey), verifier.storedKey());
    }

    private static byte[] hmac(final byte[] key, final String text)
    {
        return hmac(key, text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(final byte[] key, final byte[] message)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is not available", ex);
        }
    }

    private static byte[] sha256(final byte[] bytes)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }

    private static byte[] xor(final byte[] a, final byte[] b)
    {
        final byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++)
        {
            out[i] = (byte)(a[i] ^ b[i]);
        }
        return out;
    }
}
