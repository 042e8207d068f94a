package io.stardust.storage;

import net.openhft.chronicle.hash.serialization.impl.ByteArraySizedReader;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

import java.io.File;
import java.io.IOException;

/**
 * How the Chronicle Map file of a table is laid out, and how many segments a table needs.
 * <p>
 * Every segment tier of every map has {@link #TIER_CHUNKS} chunks of {@link #CHUNK_BYTES} bytes of entry space
 * (1,152 KiB), whatever the number of segments. Chronicle stores an entry in one run of chunks of one tier, so the
 * largest entry any map holds is one tier's entry space: the limits {@link Storage#MAX_KEY_BYTES} and
 * {@link Storage#MAX_VALUE_BYTES} fit with room to spare in a brand-new one-segment map and in a grown one alike.
 * A tier's hash lookup is planned for at most {@link #SEGMENT_ENTRIES} entries (Chronicle lets a tier hold up to 1.6
 * times its plan), fewer when a map has many segments for the sake of its spare tiers (below). Files are sparse, so a
 * tier costs disk only where entries were written.
 * <p>
 * When an entry finds no room in the tiers of its segment, Chronicle chains a fresh tier to the segment, taken from
 * a pool of {@code MAX_BLOAT x segments} extra tiers; only an empty pool makes a map "full". A put allocates at
 * most one entry, and an entry always fits in a fresh tier, so a put takes at most one tier from the pool whatever
 * the keys' hashes, the value sizes and the fragmentation. Keeping at least as many pool tiers as an epoch has
 * writes therefore guarantees that no write of the epoch finds the map full ({@link Table#ensureCapacity}).
 */
final class MapLayout
{
    /** Bytes per chunk: a typical row (32-byte key, 137-byte row) takes six. */
    static final int CHUNK_BYTES = 32;
    /** Chunks of entry space per segment tier: 1,152 KiB, the largest entry. */
    static final long TIER_CHUNKS = 36_864;
    /** Entry space of one tier in bytes. */
    static final long TIER_BYTES = TIER_CHUNKS * CHUNK_BYTES;
    /** Most entries per segment a hash lookup is planned for (8,192 slots; Chronicle fills a tier up to 6,553). */
    static final long SEGMENT_ENTRIES = 4_096;
    /** Fewest entries per segment a hash lookup is planned for. */
    static final long MIN_SEGMENT_ENTRIES = 256;
    /** Chronicle's pool of extra tiers is this many times the number of segments (its largest allowed factor). */
    static final double MAX_BLOAT = 1_000.0;
    /** Most segments a map is given: 2^20 segments hold about 4 billion typical rows. */
    static final int MAX_SEGMENTS = 1 << 20;
    /**
     * Upper bound of what Chronicle adds to an entry's key and row bytes: two stop-bit size prefixes (at most 5
     * bytes each for sizes below 2^31) and up to {@code CHUNK_BYTES - 1} of rounding to whole chunks.
     */
    static final long ENTRY_OVERHEAD_BYTES = 10 + CHUNK_BYTES;
    /** Bytes of the row header (version and tombstone flag) in front of a value. */
    static final int ROW_HEADER_BYTES = 9;

    private MapLayout()
    {
    }

    /**
     * Create (or open, when the file exists) a map laid out for {@code segments} segments.
     *
     * @param file              the map file.
     * @param name              table name, for Chronicle's diagnostics.
     * @param segments          a power of two in [1, {@link #MAX_SEGMENTS}]; ignored when the file exists.
     * @param entriesPerSegment a power of two in [{@link #MIN_SEGMENT_ENTRIES}, {@link #SEGMENT_ENTRIES}]; ignored
     *                          when the file exists.
     * @return the map.
     * @throws IOException when the file cannot be created or mapped.
     */
    static ChronicleMap<byte[], byte[]> createOrOpen(
        final File file, final String name, final int segments, final long entriesPerSegment)
        throws IOException
    {
        return ChronicleMapBuilder.of(byte[].class, byte[].class)
            .name("stardust-" + name)
            .actualSegments(segments)
            .entriesPerSegment(entriesPerSegment)
            .entries(entriesPerSegment * segments)
            // Chronicle wants average sizes configured; with chunks set explicitly they only name a typical row.
            .averageKeySize(32)
            .averageValueSize(137)
            .actualChunkSize(CHUNK_BYTES)
            .actualChunksPerSegmentTier(TIER_CHUNKS)
            .maxBloatFactor(MAX_BLOAT)
            // The file is a cache rebuilt from the snapshot and the log on every start: no entry checksums, and no
            // preallocated disk (a sparse file costs only the pages written).
            .checksumEntries(false)
            .sparseFile(true)
            .keyReaderAndDataAccess(ByteArraySizedReader.INSTANCE, new ByteArrayAccess())
            .valueReaderAndDataAccess(ByteArraySizedReader.INSTANCE, new ByteArrayAccess())
            // Writers never need the old value back; returning it would deserialize a copy on every put.
            .putReturnsNull(true)
            .removeReturnsNull(true)
            .createPersistedTo(file);
    }

    /**
     * @param keyBytes   key length.
     * @param valueBytes value length (0 for a delete).
     * @return the most bytes the entry of such a row takes in a map, chunk rounding included.
     */
    static long entryBytes(final long keyBytes, final long valueBytes)
    {
        return keyBytes + ROW_HEADER_BYTES + valueBytes + ENTRY_OVERHEAD_BYTES;
    }

    /**
     * The fewest segments (a power of two) for a map that must hold {@code entries} entries taking up to
     * {@code entryBytes} bytes, while keeping {@code writes} extra tiers free with room to spare. Entries are planned
     * at most {@link #SEGMENT_ENTRIES} per segment and bytes at half of the first tiers' entry space, so that
     * segments rarely need an extra tier; the pool keeps twice the tiers {@code writes} could take.
     *
     * @param entries    entries to hold.
     * @param entryBytes upper bound of their bytes, from {@link #entryBytes}.
     * @param writes     puts one epoch may make.
     * @return segments.
     * @throws IllegalStateException when even {@link #MAX_SEGMENTS} segments are not enough.
     */
    static int segmentsFor(final long entries, final long entryBytes, final long writes)
    {
        long segments = 1;
        while (entries > segments * SEGMENT_ENTRIES || entryBytes > segments * (TIER_BYTES / 2) ||
            writes > segments * (long)(MAX_BLOAT / 2))
        {
            if (segments == MAX_SEGMENTS)
            {
                throw new IllegalStateException("a table of " + entries + " rows (" + entryBytes +
                    " bytes) taking " + writes + " writes in one epoch needs more than " + MAX_SEGMENTS + " segments");
            }
            segments <<= 1;
        }
        return (int)segments;
    }

    /**
     * Entries per segment to plan a hash lookup for: {@link #SEGMENT_ENTRIES}, or fewer when a map has more segments
     * than its entries need (for spare tiers), so that the hash lookups of those segments stay small.
     *
     * @param segments from {@link #segmentsFor}.
     * @param entries  entries to plan for.
     * @return a power of two in [{@link #MIN_SEGMENT_ENTRIES}, {@link #SEGMENT_ENTRIES}].
     */
    static long entriesPerSegment(final int segments, final long entries)
    {
        long perSegment = MIN_SEGMENT_ENTRIES;
        while (perSegment < SEGMENT_ENTRIES && perSegment * segments < entries)
        {
            perSegment <<= 1;
        }
        return perSegment;
    }
}
