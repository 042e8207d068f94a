package io.stardust.server;

/**
 * Where a read endpoint hands the SQL requests it receives: the member's SQL gateway. Requests run off the
 * endpoint's thread, so a long statement never holds up reads; the answer goes straight back on the client's
 * response publication, which is safe to offer to from any thread.
 */
public interface SqlHandler
{
    /** Sends one answer to the client that asked. */
    interface Reply
    {
        /**
         * @param response the answer's bytes.
         */
        void send(byte[] response);
    }

    /**
     * @param clientSession the client's connection, for the gateway to keep its sessions apart.
     * @param principal     who the connection authenticated as; null on a member without authentication.
     * @param request       the request's bytes.
     * @param reply         where the answer goes; call it once.
     */
    void submit(int clientSession, io.stardust.protocol.auth.Principal principal, byte[] request, Reply reply);
}
