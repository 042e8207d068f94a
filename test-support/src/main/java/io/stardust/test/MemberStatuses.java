package io.stardust.test;

import io.stardust.client.StardustClient;

import java.util.concurrent.TimeUnit;

/** Every member's status as one text, for failure messages. */
public final class MemberStatuses
{
    private MemberStatuses()
    {
    }

    /**
     * @param client  a client of the cluster.
     * @param members how many members it has.
     * @return one line per member: its status, or why it did not answer within 5 s.
     */
    public static String describe(final StardustClient client, final int members)
    {
        final StringBuilder sb = new StringBuilder();
        for (int m = 0; m < members; m++)
        {
            try
            {
                sb.append(client.status(m).get(5, TimeUnit.SECONDS)).append('\n');
            }
            catch (final Exception ex)
            {
                sb.append("member ").append(m).append(": ").append(ex).append('\n');
            }
        }
        return sb.toString();
    }
}
