package io.stardust.conformance;

import io.stardust.client.ConflictException;
import io.stardust.client.KeyValue;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A {@link Session} over the key-value client: keys live in one table under a per-scenario prefix. */
final class KvSession implements Session
{
    private final StardustClient client;
    private final String table;
    private final String prefix;
    private Transaction tx;

    KvSession(final StardustClient client, final String table, final String prefix)
    {
        this.client = client;
        this.table = table;
        this.prefix = prefix;
    }

    @Override
    public void begin()
    {
        tx = client.begin();
    }

    @Override
    public String read(final String key)
    {
        return tx.get(table, prefix + key);
    }

    @Override
    public void write(final String key, final String value)
    {
        tx.put(table, prefix + key, value);
    }

    @Override
    public List<String> scan(final String keyPrefix)
    {
        final byte[] start = (prefix + keyPrefix).getBytes(StandardCharsets.UTF_8);
        final byte[] end = Arrays.copyOf(start, start.length + 1);
        end[start.length] = (byte)0xFF;
        final List<String> keys = new ArrayList<>();
        for (final KeyValue row : tx.scan(table, start, end, 1_000))
        {
            keys.add(new String(row.key(), StandardCharsets.UTF_8).substring(prefix.length()));
        }
        return keys;
    }

    @Override
    public boolean commit()
    {
        try
        {
            tx.commitSync();
            return true;
        }
        catch (final ConflictException ex)
        {
            return false;
        }
    }

    @Override
    public String kind()
    {
        return "kv";
    }
}
