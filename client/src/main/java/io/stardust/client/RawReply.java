package io.stardust.client;

import io.stardust.protocol.codecs.ErrorCode;

/**
 * The reply to {@link StardustClient#sendRawIngress(byte[], long)}: its template id, and for errors the code and
 * message.
 */
public record RawReply(int templateId, ErrorCode errorCode, String message)
{
}
