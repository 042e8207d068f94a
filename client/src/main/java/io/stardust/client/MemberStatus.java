package io.stardust.client;

/**
 * One member's view of itself, from its read endpoint.
 */
public record MemberStatus(
    int memberId,
    String role,
    String datacenter,
    long appliedEpoch,
    long catalogVersion,
    long batchWindowMicros,
    long committed,
    long aborted,
    long lastDigest,
    int workers)
{
}
