package io.stardust.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replica check on one epoch: every member that still holds the epoch's state digest must report the same one.
 */
final class DigestComparison
{
    /**
     * @param compared true when at least two members held the digest, so they could be compared.
     * @param problem  null when nothing is wrong; else what is (members disagree, or too few hold a digest that
     *                 all must).
     */
    record Outcome(boolean compared, String problem)
    {
    }

    private DigestComparison()
    {
    }

    /**
     * @param epoch    the epoch.
     * @param digests  member id to the digest it reported, for the members that hold one.
     * @param required true for an epoch every member has just applied (the last), so fewer than two is a failure;
     *                 older epochs may have left some members' retention.
     * @return the outcome.
     */
    static Outcome compare(final long epoch, final Map<Integer, Long> digests, final boolean required)
    {
        if (digests.size() < 2)
        {
            return new Outcome(false, required ?
                "fewer than two members hold the digest of epoch " + epoch + ": " + digests : null);
        }
        final Map<Long, List<Integer>> byDigest = new TreeMap<>();
        new TreeMap<>(digests).forEach((member, digest) ->
            byDigest.computeIfAbsent(digest, (k) -> new ArrayList<>()).add(member));
        if (byDigest.size() > 1)
        {
            final StringBuilder sb = new StringBuilder("replicas disagree at epoch ").append(epoch).append(':');
            byDigest.forEach((digest, members) ->
                sb.append(" members ").append(members).append(" digest ").append(Long.toHexString(digest)).append(';'));
            return new Outcome(true, sb.substring(0, sb.length() - 1));
        }
        return new Outcome(true, null);
    }
}
