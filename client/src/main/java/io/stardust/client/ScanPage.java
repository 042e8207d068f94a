package io.stardust.client;

import java.util.List;

/**
 * One page of a transaction's scan ({@link Transaction#scanPage}).
 *
 * @param rows live rows of the range as the transaction sees it, in key order; at most the limit asked for.
 * @param more true when at least one more live row of the range follows the last of {@code rows}; false when the
 *             range holds no more.
 */
public record ScanPage(List<KeyValue> rows, boolean more)
{
}
