package io.stardust.jdbc;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A JDBC URL of Stardust: {@code jdbc:stardust://host:port[@dc][,host:port[@dc]...]/database[?user=...&
 * password=...&timeout=seconds&datacenter=dc]}. Each host:port is a member's base port, as in the cluster spec, with
 * its datacenter label (members learn their labels from the members too, so they may be left out). The session goes
 * to the gateway the client's routing policy ranks first: a member in the client's {@code datacenter} that is not
 * catching up, else the nearest that answers.
 *
 * @param members  the members' host:port, in order.
 * @param database the database.
 * @param timeout  how long one request may take.
 * @param user       the user, or null.
 * @param datacenter the client's datacenter ({@code dc1} when not given).
 * @param password   the password (from the {@code password} property), or null; only proofs derived from it leave
 *                   the process.
 */
record StardustUrl(List<String> members, String database, Duration timeout, String user, String datacenter,
    char[] password)
{
    static final String PREFIX = "jdbc:stardust://";

    /**
     * @param url  a URL.
     * @param info connection properties (they fill what the URL leaves out).
     * @return it parsed.
     * @throws SQLException (08001) naming what is wrong with it.
     */
    static StardustUrl parse(final String url, final Properties info) throws SQLException
    {
        if (url == null || !url.startsWith(PREFIX))
        {
            throw new SQLException("not a Stardust URL: " + url + " (expected " + PREFIX +
                "host:port,.../default)", "08001");
        }
        String rest = url.substring(PREFIX.length());
        final Properties props = new Properties();
        if (info != null)
        {
            props.putAll(info);
        }
        final int q = rest.indexOf('?');
        if (q >= 0)
        {
            for (final String pair : rest.substring(q + 1).split("&"))
            {
                if (pair.isEmpty())
                {
                    continue;
                }
                final int eq = pair.indexOf('=');
                final String key = eq < 0 ? pair : pair.substring(0, eq);
                final String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                props.setProperty(key, value);
            }
            rest = rest.substring(0, q);
        }
        final int slash = rest.indexOf('/');
        final String hosts = slash < 0 ? rest : rest.substring(0, slash);
        final String database = slash < 0 || slash == rest.length() - 1 ? "default" : rest.substring(slash + 1);
        final List<String> members = new ArrayList<>();
        for (final String h : hosts.split(","))
        {
            final String member = h.strip();
            final int at = member.indexOf('@');
            if (at >= 0 && at == member.length() - 1)
            {
                throw new SQLException("member '" + member + "' in " + url + " has an empty datacenter label", "08001");
            }
            final String address = at < 0 ? member : member.substring(0, at);
            final int colon = address.lastIndexOf(':');
            if (colon <= 0 || colon == address.length() - 1)
            {
                throw new SQLException("member '" + member + "' in " + url + " is not host:port", "08001");
            }
            try
            {
                Integer.parseInt(address.substring(colon + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new SQLException("member '" + member + "' in " + url + " has no port number", "08001");
            }
            members.add(member);
        }
        final long seconds;
        try
        {
            seconds = Long.parseLong(props.getProperty("timeout", "60"));
        }
        catch (final NumberFormatException ex)
        {
            throw new SQLException("timeout '" + props.getProperty("timeout") + "' is not a number of seconds",
                "08001");
        }
        if (seconds <= 0)
        {
            throw new SQLException("timeout must be at least 1 second", "08001");
        }
        final String databaseProblem = io.stardust.catalog.Catalog.nameProblem(database);
        if (databaseProblem != null)
        {
            throw new SQLException("database in " + url + ": " + databaseProblem, "3D000");
        }
        final String datacenter = props.getProperty("datacenter", io.stardust.protocol.ClusterSpec.DEFAULT_DATACENTER);
        if (datacenter.isBlank())
        {
            throw new SQLException("datacenter is empty in " + url, "08001");
        }
        return new StardustUrl(List.copyOf(members), database, Duration.ofSeconds(seconds),
            props.getProperty("user"), datacenter.strip(),
            props.getProperty("password") == null ? null : props.getProperty("password").toCharArray());
    }

    /** @return the cluster spec of the members: {@code 0=host:port,1=host:port,...}. */
    String clusterSpec()
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < members.size(); i++)
        {
            sb.append(i == 0 ? "" : ",").append(i).append('=').append(members.get(i));
        }
        return sb.toString();
    }
}
