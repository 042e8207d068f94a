package io.stardust.jdbc;

import io.stardust.client.ClientConfig;
import io.stardust.client.StardustClient;
import io.stardust.protocol.ClusterSpec;

import java.util.HashMap;
import java.util.Map;

/**
 * The Stardust clients JDBC connections share: one per cluster spec in a JVM, opened by the first connection and
 * closed by the last. A client here opens no cluster session; it talks to the members' read endpoints only.
 */
final class Transports
{
    private static final Map<String, Shared> SHARED = new HashMap<>();

    private static final class Shared
    {
        final StardustClient client;
        int users;

        Shared(final StardustClient client)
        {
            this.client = client;
        }
    }

    private Transports()
    {
    }

    /**
     * @param spec       the cluster spec.
     * @param datacenter the client's datacenter.
     * @param database   the database its sessions use: the client follows its home.
     * @return its client, shared; give it back with {@link #release}.
     */
    static synchronized StardustClient acquire(final String spec, final String datacenter, final String database,
        final String user, final char[] password)
    {
        final Shared shared = SHARED.computeIfAbsent(key(spec, datacenter, database, user, password), (s) ->
        {
            final ClientConfig config = new ClientConfig().clusterSpec(ClusterSpec.parse(spec))
                .datacenter(datacenter).database(database).lazySession(true);
            if (user != null && password != null)
            {
                config.credentials(user, password);
            }
            final StardustClient client = StardustClient.connect(config);
            // Learn the members' datacenters, their health and the database's home before the first session picks
            // a gateway.
            client.refreshTopology().join();
            return new Shared(client);
        });
        shared.users++;
        return shared.client;
    }

    /**
     * @param spec       the cluster spec given to {@link #acquire}.
     * @param datacenter the datacenter given to it.
     * @param database   the database given to it.
     */
    static synchronized void release(final String spec, final String datacenter, final String database,
        final String user, final char[] password)
    {
        final String key = key(spec, datacenter, database, user, password);
        final Shared shared = SHARED.get(key);
        if (shared != null && --shared.users == 0)
        {
            SHARED.remove(key);
            shared.client.close();
        }
    }

    /** Connections share a client only with the same credentials: a different password gets its own exchange. */
    private static String key(final String spec, final String datacenter, final String database, final String user,
        final char[] password)
    {
        String secret = "";
        if (password != null)
        {
            try
            {
                final byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
                    new String(password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                secret = java.util.HexFormat.of().formatHex(digest);
            }
            catch (final java.security.NoSuchAlgorithmException ex)
            {
                throw new IllegalStateException(ex);
            }
        }
        return spec + "#" + datacenter + "#" + database + "#" + user + "#" + secret;
    }
}
