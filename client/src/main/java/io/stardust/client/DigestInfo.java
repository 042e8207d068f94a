package io.stardust.client;

/**
 * A member's state digest at the end of {@code epoch}; {@code found} is false when the member has not applied the
 * epoch yet or no longer keeps its digest.
 */
public record DigestInfo(int memberId, long epoch, boolean found, long digest, long appliedEpoch)
{
}
