package io.stardust.server;

import io.aeron.ChannelUri;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A client's response channel, made safe for the member's media driver: a UDP channel with an endpoint, whose host
 * is resolved here into an address. The media driver resolves names on its conductor thread, which also sends and
 * receives every message of the member (consensus included) in its shared threading mode: a name that takes seconds
 * to resolve, or to fail, would stall the whole member and cost the cluster its leader. Resolved here, it stalls
 * only the read endpoint's answer to that hello.
 */
final class ResponseChannels
{
    private ResponseChannels()
    {
    }

    /**
     * @param channel the channel a ReadHello names.
     * @return the same channel with its endpoint's host as an address.
     * @throws IllegalArgumentException naming what is wrong: not UDP, no endpoint, a control address, a host that
     * does not resolve.
     */
    static String literal(final String channel)
    {
        final ChannelUri uri;
        try
        {
            uri = ChannelUri.parse(channel);
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("response channel '" + channel + "' is not an Aeron channel: " +
                ex.getMessage());
        }
        if (!"udp".equals(uri.media()) || uri.get("control") != null || uri.get("endpoint") == null)
        {
            throw new IllegalArgumentException("response channel '" + channel + "' must be aeron:udp with an " +
                "endpoint and no control address");
        }
        final String endpoint = uri.get("endpoint");
        final int colon = endpoint.lastIndexOf(':');
        if (colon <= 0)
        {
            throw new IllegalArgumentException("response channel '" + channel + "' has no port in its endpoint");
        }
        final String host = endpoint.substring(0, colon);
        final String port = endpoint.substring(colon + 1);
        final String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        final InetAddress address;
        try
        {
            address = InetAddress.getByName(bare);
        }
        catch (final UnknownHostException | SecurityException ex)
        {
            throw new IllegalArgumentException("response channel '" + channel + "': host '" + host + "' does not " +
                "resolve");
        }
        final String literal = address instanceof java.net.Inet6Address ?
            "[" + address.getHostAddress() + "]" : address.getHostAddress();
        uri.put("endpoint", literal + ":" + port);
        return uri.toString();
    }
}
