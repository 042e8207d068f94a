package io.stardust.protocol;

/**
 * Aeron stream ids Stardust uses outside Aeron Cluster's own.
 */
public final class Streams
{
    /** Requests to a member's read endpoint. */
    public static final int READ_REQUEST_STREAM_ID = 1001;
    /** Default stream of a client's read responses. */
    public static final int READ_RESPONSE_STREAM_ID = 1002;

    private Streams()
    {
    }
}
