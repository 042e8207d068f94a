package io.stardust.protocol;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where the members of a cluster are: id, host, base port and datacenter label.
 * <p>
 * Text form, used by the {@code stardust} command and the client: {@code id=host:basePort[@datacenter]}, comma
 * separated, for example {@code 0=localhost:20000@dc-a,1=localhost:20100@dc-a,2=localhost:20200@dc-b}. Ids must be
 * 0..n-1 in order. Each member uses a block of ports from its base port; the offsets are the constants below.
 */
public final class ClusterSpec
{
    /** Archive control requests. */
    public static final int ARCHIVE_CONTROL_PORT_OFFSET = 0;
    /** Client ingress into the cluster. */
    public static final int INGRESS_PORT_OFFSET = 1;
    /** Member to member consensus traffic. */
    public static final int CONSENSUS_PORT_OFFSET = 2;
    /** Raft log replication. */
    public static final int LOG_PORT_OFFSET = 3;
    /** Catch-up of lagging members. */
    public static final int CATCHUP_PORT_OFFSET = 4;
    /** The member's replica read endpoint (outside the log). */
    public static final int READ_PORT_OFFSET = 5;
    /** Archive replication. */
    public static final int REPLICATION_PORT_OFFSET = 6;
    /** Control endpoint of the leader's log publication (manual control mode). */
    public static final int LOG_CONTROL_PORT_OFFSET = 7;
    /** A peer's checkpoint files (TCP), for a member rebuilt from its peers. */
    public static final int CHECKPOINT_PORT_OFFSET = 8;
    /** The member's Prometheus {@code /metrics} endpoint (TCP, HTTP). */
    public static final int METRICS_PORT_OFFSET = 9;
    /** Ports reserved per member. */
    public static final int PORTS_PER_MEMBER = 10;
    /** Datacenter label of members that name none. */
    public static final String DEFAULT_DATACENTER = "dc1";

    private final List<Member> members;

    private ClusterSpec(final List<Member> members)
    {
        this.members = Collections.unmodifiableList(members);
    }

    /** One member of the cluster. */
    public record Member(int id, String host, int basePort, String datacenter)
    {
        public int port(final int offset)
        {
            return basePort + offset;
        }

        public String endpoint(final int offset)
        {
            return host + ":" + port(offset);
        }

        public String ingressEndpoint()
        {
            return endpoint(INGRESS_PORT_OFFSET);
        }

        public String readEndpoint()
        {
            return endpoint(READ_PORT_OFFSET);
        }
    }

    /**
     * Parse the text form.
     *
     * @param text such as {@code 0=localhost:20000,1=localhost:20010,2=localhost:20020}.
     * @return the spec.
     * @throws IllegalArgumentException naming the bad part.
     */
    public static ClusterSpec parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("cluster spec is empty; expected id=host:port[@dc],...");
        }
        final List<Member> members = new ArrayList<>();
        for (final String raw : text.split(","))
        {
            final String part = raw.trim();
            final int eq = part.indexOf('=');
            final int colon = part.lastIndexOf(':');
            if (eq <= 0 || colon < eq)
            {
                throw new IllegalArgumentException("bad cluster member '" + part + "'; expected id=host:port[@dc]");
            }
            final int at = part.indexOf('@', colon);
            final String portText = at < 0 ? part.substring(colon + 1) : part.substring(colon + 1, at);
            final String dc = at < 0 ? DEFAULT_DATACENTER : part.substring(at + 1);
            final int id;
            final int port;
            try
            {
                id = Integer.parseInt(part.substring(0, eq).trim());
                port = Integer.parseInt(portText.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("bad cluster member '" + part + "'; id and port must be numbers");
            }
            if (id != members.size())
            {
                throw new IllegalArgumentException(
                    "cluster member ids must be 0..n-1 in order; found " + id + " at position " + members.size());
            }
            if (port <= 0 || port + PORTS_PER_MEMBER > 65535)
            {
                throw new IllegalArgumentException("bad base port " + port + " for member " + id);
            }
            if (dc.isBlank())
            {
                throw new IllegalArgumentException("empty datacenter label for member " + id);
            }
            members.add(new Member(id, part.substring(eq + 1, colon).trim(), port, dc.trim()));
        }
        return new ClusterSpec(members);
    }

    /**
     * A spec of {@code count} members on one host with consecutive port blocks.
     *
     * @param host     host name of every member.
     * @param basePort base port of member 0.
     * @param count    number of members.
     * @return the spec.
     */
    public static ClusterSpec local(final String host, final int basePort, final int count)
    {
        final List<Member> members = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            members.add(new Member(i, host, basePort + i * PORTS_PER_MEMBER, DEFAULT_DATACENTER));
        }
        return new ClusterSpec(members);
    }

    /**
     * @param labels a datacenter label for each member, in id order.
     * @return this spec with those labels.
     * @throws IllegalArgumentException for a count that differs from the members' or an empty label.
     */
    public ClusterSpec withDatacenters(final List<String> labels)
    {
        if (labels.size() != members.size())
        {
            throw new IllegalArgumentException(labels.size() + " datacenter labels for " + members.size() + " members");
        }
        final List<Member> labelled = new ArrayList<>();
        for (final Member m : members)
        {
            final String dc = labels.get(m.id());
            if (dc == null || dc.isBlank())
            {
                throw new IllegalArgumentException("empty datacenter label for member " + m.id());
            }
            labelled.add(new Member(m.id(), m.host(), m.basePort(), dc.trim()));
        }
        return new ClusterSpec(labelled);
    }

    /** @return the datacenter labels of the members, each once, in the order of their first member. */
    public List<String> datacenters()
    {
        return members.stream().map(Member::datacenter).distinct().toList();
    }

    public List<Member> members()
    {
        return members;
    }

    public Member member(final int id)
    {
        if (id < 0 || id >= members.size())
        {
            throw new IllegalArgumentException("no member " + id + " in a cluster of " + members.size());
        }
        return members.get(id);
    }

    public int size()
    {
        return members.size();
    }

    /** @return ingress endpoints in Aeron Cluster's form: {@code 0=host:port,1=host:port}. */
    public String ingressEndpoints()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Member m : members)
        {
            sb.append(sb.length() == 0 ? "" : ",").append(m.id()).append('=').append(m.ingressEndpoint());
        }
        return sb.toString();
    }

    /** @return cluster members in Aeron Cluster's form: id,ingress,consensus,log,catchup,archive|... */
    public String aeronClusterMembers()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Member m : members)
        {
            sb.append(sb.length() == 0 ? "" : "|")
                .append(m.id())
                .append(',').append(m.endpoint(INGRESS_PORT_OFFSET))
                .append(',').append(m.endpoint(CONSENSUS_PORT_OFFSET))
                .append(',').append(m.endpoint(LOG_PORT_OFFSET))
                .append(',').append(m.endpoint(CATCHUP_PORT_OFFSET))
                .append(',').append(m.endpoint(ARCHIVE_CONTROL_PORT_OFFSET));
        }
        return sb.toString();
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Member m : members)
        {
            sb.append(sb.length() == 0 ? "" : ",")
                .append(m.id()).append('=').append(m.host()).append(':').append(m.basePort())
                .append('@').append(m.datacenter());
        }
        return sb.toString();
    }
}
