package io.stardust.protocol.auth;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScramTest
{
    @Test
    void shouldAcceptTheRightPasswordOnlyAndKeepNoPassword()
    {
        final char[] password = "correct horse".toCharArray();
        final Scram.Verifier verifier = Scram.newVerifier(password);
        final String text = verifier.encode();
        assertFalse(text.contains("correct horse"), text);
        assertEquals(verifier, Scram.Verifier.decode(text));
        assertFalse(verifier.toString().contains(java.util.Base64.getEncoder().encodeToString(verifier.storedKey())));

        final byte[] clientNonce = Scram.nonce();
        final byte[] serverNonce = Scram.nonce();
        final byte[] message = Scram.authMessage("sales", "ann", clientNonce, serverNonce);
        final byte[] proof = Scram.clientProof(Scram.saltedPassword(password, verifier.salt(),
            verifier.iterations()), message);
        assertTrue(Scram.verify(verifier, message, proof));

        final byte[] wrong = Scram.clientProof(Scram.saltedPassword("wrong".toCharArray(), verifier.salt(),
            verifier.iterations()), message);
        assertFalse(Scram.verify(verifier, message, wrong), "a wrong password");
        assertFalse(Scram.verify(verifier, Scram.authMessage("sales", "ann", clientNonce, Scram.nonce()), proof),
            "a proof replayed against another challenge");
        assertFalse(Scram.verify(verifier, Scram.authMessage("hr", "ann", clientNonce, serverNonce), proof),
            "a proof for another database");
        assertFalse(Scram.verify(verifier, message, verifier.storedKey()), "the stored key is not a proof");
        assertFalse(Scram.verify(verifier, message, new byte[3]));
        assertFalse(Scram.verify(verifier, message, null));
    }

    @Test
    void shouldRefuseMalformedVerifiers()
    {
        assertThrows(IllegalArgumentException.class, () -> Scram.Verifier.decode("plain-password"));
        assertThrows(IllegalArgumentException.class, () -> Scram.Verifier.decode("scram-sha-256:x:a:b:c"));
        assertThrows(IllegalArgumentException.class, () -> Scram.Verifier.decode("scram-sha-256:0:a:b:c"));
        assertThrows(IllegalArgumentException.class,
            () -> Scram.Verifier.decode("scram-sha-256:4096:AAAAAAAAAAA=:AAAA:AAAA"));
        assertThrows(IllegalArgumentException.class, () -> Scram.Verifier.decode(null));
    }
}
