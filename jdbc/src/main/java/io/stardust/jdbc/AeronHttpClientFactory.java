package io.stardust.jdbc;

import io.stardust.client.StardustClient;
import org.apache.calcite.avatica.ConnectionConfig;
import org.apache.calcite.avatica.remote.AvaticaHttpClient;
import org.apache.calcite.avatica.remote.AvaticaHttpClientFactory;
import org.apache.calcite.avatica.remote.KerberosConnection;

import java.net.URL;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Avatica's transport, replaced: instead of HTTP, each request goes to a member's SQL gateway through the Stardust
 * client. Avatica makes the transport from a URL, so the driver registers the route (client, member, timeout) under
 * a token and gives Avatica {@code http://route-<token>/}.
 */
public final class AeronHttpClientFactory implements AvaticaHttpClientFactory
{
    /** Where one connection's requests go. */
    record Route(StardustClient client, int member, Duration timeout)
    {
    }

    private static final Map<String, Route> ROUTES = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT = new AtomicLong();

    /**
     * @param route where requests go.
     * @return the URL Avatica is given for it.
     */
    static String register(final Route route)
    {
        final String token = "route-" + NEXT.incrementAndGet();
        ROUTES.put(token, route);
        return "http://" + token + "/";
    }

    /**
     * @param url a URL from {@link #register}.
     */
    static void unregister(final String url)
    {
        ROUTES.remove(host(url));
    }

    private static String host(final String url)
    {
        final String rest = url.substring("http://".length());
        return rest.substring(0, rest.indexOf('/'));
    }

    @Override
    public AvaticaHttpClient getClient(final URL url, final ConnectionConfig config, final KerberosConnection kerberos)
    {
        final Route route = ROUTES.get(url.getHost());
        if (route == null)
        {
            throw new IllegalStateException("no Stardust route " + url.getHost() + "; connect with jdbc:stardust://");
        }
        return (request) ->
        {
            try
            {
                return route.client().sql(route.member(), request, route.timeout())
                    .get(route.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
            }
            catch (final ExecutionException ex)
            {
                if (ex.getCause() instanceof io.stardust.client.AuthenticationException auth)
                {
                    throw new RefusedException(auth.getMessage(), "28P01", auth);
                }
                if (ex.getCause() instanceof io.stardust.client.RejectedException r &&
                    (r.code() == io.stardust.protocol.codecs.ErrorCode.NOT_AUTHENTICATED ||
                    r.code() == io.stardust.protocol.codecs.ErrorCode.NOT_AUTHORIZED))
                {
                    throw new RefusedException(r.getMessage(), r.code() ==
                        io.stardust.protocol.codecs.ErrorCode.NOT_AUTHENTICATED ? "28000" : "42501", r);
                }
                throw new MemberUnreachableException("member " + route.member() + ": " + ex.getCause().getMessage(),
                    ex.getCause());
            }
            catch (final TimeoutException ex)
            {
                throw new MemberUnreachableException("member " + route.member() + " did not answer in " +
                    route.timeout().toSeconds() + " s", ex);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new MemberUnreachableException("interrupted", ex);
            }
        };
    }

    /** The member refused the client's credentials or request: 28P01, 28000 or 42501. */
    static final class RefusedException extends RuntimeException
    {
        final String sqlState;

        RefusedException(final String message, final String sqlState, final Throwable cause)
        {
            super(message, cause);
            this.sqlState = sqlState;
        }
    }

    /** The member did not answer: the connection is broken (SQLSTATE 08006). */
    static final class MemberUnreachableException extends RuntimeException
    {
        MemberUnreachableException(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }
}
