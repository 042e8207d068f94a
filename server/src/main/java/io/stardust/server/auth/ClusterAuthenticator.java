package io.stardust.server.auth;

import io.aeron.security.Authenticator;
import io.aeron.security.SessionProxy;
import io.stardust.protocol.auth.Principal;
import io.stardust.protocol.auth.ScramServer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.function.Consumer;

/**
 * Aeron Cluster's authenticator at a member's ingress: a challenge-response per session ({@link ScramServer}). The
 * principal a session authenticates as goes into the log with its session-open event, where every replica's service
 * reads it to authorize that session's records. Runs on the consensus module's thread.
 */
public final class ClusterAuthenticator implements Authenticator
{
    /** Sessions that do not finish their exchange within this long are forgotten (Aeron times them out too). */
    private static final long FORGET_MS = 30_000;

    private final Credentials credentials;
    private final Consumer<String> log;
    private final Long2ObjectHashMap<Exchange> exchanges = new Long2ObjectHashMap<>();

    private static final class Exchange
    {
        final ScramServer server;
        final long startedMs;
        String refusal;
        boolean challenged;
        Principal principal;

        Exchange(final ScramServer server, final String refusal, final long startedMs)
        {
            this.server = server;
            this.refusal = refusal;
            this.startedMs = startedMs;
        }
    }

    /**
     * @param credentials where verifiers come from.
     * @param log         where refusals are logged (never a secret).
     */
    public ClusterAuthenticator(final Credentials credentials, final Consumer<String> log)
    {
        this.credentials = credentials;
        this.log = log;
    }

    @Override
    public void onConnectRequest(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
        forgetStale(nowMs);
        try
        {
            exchanges.put(sessionId, new Exchange(ScramServer.start(encodedCredentials, credentials), null, nowMs));
        }
        catch (final IllegalArgumentException ex)
        {
            exchanges.put(sessionId, new Exchange(null, ex.getMessage(), nowMs));
        }
    }

    @Override
    public void onConnectedSession(final SessionProxy proxy, final long nowMs)
    {
        final Exchange e = exchanges.get(proxy.sessionId());
        if (e == null || e.refusal != null)
        {
            refuse(proxy, e == null ? "no connect request" : e.refusal);
            return;
        }
        if (!e.challenged)
        {
            e.challenged = proxy.challenge(e.server.challenge());
        }
    }

    @Override
    public void onChallengeResponse(final long sessionId, final byte[] encodedCredentials, final long nowMs)
    {
        final Exchange e = exchanges.get(sessionId);
        if (e != null && e.server != null && e.principal == null && e.refusal == null)
        {
            e.principal = e.server.finish(encodedCredentials);
            if (e.principal == null)
            {
                e.refusal = credentials.refusal(e.server);
            }
        }
    }

    @Override
    public void onChallengedSession(final SessionProxy proxy, final long nowMs)
    {
        final Exchange e = exchanges.get(proxy.sessionId());
        if (e == null)
        {
            refuse(proxy, "no exchange");
        }
        else if (e.refusal != null)
        {
            refuse(proxy, e.refusal);
        }
        else if (e.principal != null && proxy.authenticate(e.principal.encode()))
        {
            exchanges.remove(proxy.sessionId());
        }
    }

    private void refuse(final SessionProxy proxy, final String why)
    {
        exchanges.remove(proxy.sessionId());
        log.accept("ingress session " + proxy.sessionId() + " refused: " + why);
        proxy.reject();
    }

    private void forgetStale(final long nowMs)
    {
        if (exchanges.size() > 64)
        {
            exchanges.values().removeIf((e) -> nowMs - e.startedMs > FORGET_MS);
        }
    }
}
