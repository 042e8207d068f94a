package io.stardust.storage;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.RandomDataInput;
import net.openhft.chronicle.hash.AbstractData;
import net.openhft.chronicle.hash.Data;
import net.openhft.chronicle.hash.serialization.DataAccess;
import net.openhft.chronicle.wire.WireIn;
import net.openhft.chronicle.wire.WireOut;

/**
 * Hands a {@code byte[]} key or value to Chronicle Map by copying it into a buffer this access owns and reuses.
 * <p>
 * Chronicle's own byte-array access wraps every array in a new reference-counted {@code HeapBytesStore}: four or five
 * objects for each get and put, a quarter of everything a member allocated under load. Copying a key or row of a few
 * dozen bytes costs less than that garbage. Chronicle keeps one copy of this access per query context
 * ({@link #copy()}), so the buffer is never shared between threads.
 */
final class ByteArrayAccess extends AbstractData<byte[]> implements DataAccess<byte[]>
{
    private transient Bytes<byte[]> buffer;
    private transient byte[] array;

    ByteArrayAccess()
    {
        initTransients();
    }

    private void initTransients()
    {
        buffer = Bytes.allocateElasticOnHeap(128);
    }

    @Override
    public Data<byte[]> getData(final byte[] instance)
    {
        array = instance;
        buffer.clear();
        buffer.write(instance);
        return this;
    }

    @Override
    public void uninit()
    {
        array = null;
    }

    @Override
    public RandomDataInput bytes()
    {
        return buffer;
    }

    @Override
    public long offset()
    {
        return buffer.readPosition();
    }

    @Override
    public long size()
    {
        return array.length;
    }

    @Override
    public byte[] get()
    {
        return array;
    }

    @Override
    public byte[] getUsing(final byte[] using)
    {
        final byte[] target = using != null && using.length == array.length ? using : new byte[array.length];
        System.arraycopy(array, 0, target, 0, array.length);
        return target;
    }

    @Override
    public DataAccess<byte[]> copy()
    {
        return new ByteArrayAccess();
    }

    @Override
    public void writeMarshallable(final WireOut wire)
    {
        // Stateless apart from its transient buffer.
    }

    @Override
    public void readMarshallable(final WireIn wire)
    {
        initTransients();
    }
}
