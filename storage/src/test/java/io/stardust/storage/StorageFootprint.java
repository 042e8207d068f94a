package io.stardust.storage;

import io.stardust.protocol.Versions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Locale;

/**
 * Measures what tables cost; a main, not a test. Run it in a fresh JVM per measurement, with the JVM flags of the
 * pom's {@code stardust.jvm.flags} and the storage module's test class path:
 * <pre>
 * StorageFootprint tables 10000      # empty and one-row tables: time, disk, heap, RSS, mappings per table
 * StorageFootprint grow 1000000      # time to move a table of that many rows to a bigger map
 * StorageFootprint first warm|cold   # first table and first row in a fresh JVM, with or without Storage.warmUp()
 * </pre>
 * The directory is a temporary one under {@code java.io.tmpdir}, deleted at the end.
 */
public final class StorageFootprint
{
    private StorageFootprint()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final File dir = Files.createTempDirectory("stardust-footprint").toFile();
        try
        {
            switch (args[0])
            {
                case "tables" -> tables(dir, Integer.parseInt(args[1]));
                case "grow" -> grow(dir, Integer.parseInt(args[1]));
                case "first" -> first(dir, args[1].equals("warm"));
                default -> throw new IllegalArgumentException("unknown measurement " + args[0]);
            }
        }
        finally
        {
            Files.walk(dir.toPath()).sorted(java.util.Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
        }
    }

    private static void tables(final File dir, final int count)
    {
        Storage.warmUp();
        try (Storage storage = new Storage(new StorageConfig().directory(dir)))
        {
            final File tables = new File(dir, "tables");
            Sample before = Sample.take(tables);
            long start = System.nanoTime();
            for (int t = 0; t < count; t++)
            {
                storage.createTable(t, "table" + t);
            }
            final long createNanos = System.nanoTime() - start;
            Sample after = Sample.take(tables);
            print("create " + count + " empty tables", createNanos, count, before, after);

            before = after;
            start = System.nanoTime();
            for (int t = 0; t < count; t++)
            {
                storage.ensureCapacity(t, 1, 20);
            }
            storage.beginEpoch(1, count);
            for (int t = 0; t < count; t++)
            {
                storage.write(t, "key".getBytes(), Versions.pack(1, 0), false, "a value of 17 b".getBytes());
            }
            storage.finishEpoch(1);
            final long firstRowNanos = System.nanoTime() - start;
            after = Sample.take(tables);
            print("first row in each of " + count + " tables", firstRowNanos, count, before, after);
            // Chronicle keeps a query context per map and thread: read every table from two more threads, as the
            // read endpoint's threads would, and keep the threads alive while measuring.
            before = after;
            start = System.nanoTime();
            final java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(2);
            final java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
            for (int r = 0; r < 2; r++)
            {
                final Thread reader = new Thread(() ->
                {
                    for (int t = 0; t < count; t++)
                    {
                        storage.read(t, "key".getBytes(), 1);
                    }
                    read.countDown();
                    awaitQuietly(measured);
                });
                reader.setDaemon(true);
                reader.start();
            }
            awaitQuietly(read);
            final long readNanos = System.nanoTime() - start;
            after = Sample.take(tables);
            measured.countDown();
            print("a read of each of " + count + " tables from each of 2 more threads", readNanos, count, before,
                after);
            final Sample empty = Sample.take(tables);
            System.out.printf(Locale.ROOT, "totals with %d one-row tables: disk %.1f MB, heap %.1f MB, RSS %.1f MB " +
                "(anonymous %.1f MB, file pages %.1f MB), %d mappings (vm.max_map_count 65530)%n", count,
                empty.disk / 1e6, empty.heap / 1e6, empty.rss / 1e6, empty.anon / 1e6, (empty.rss - empty.anon) / 1e6,
                empty.mappings);
        }
    }

    private static void grow(final File dir, final int rows)
    {
        Storage.warmUp();
        try (Storage storage = new Storage(new StorageConfig().directory(dir)))
        {
            storage.createTable(0, "t");
            final byte[] value = new byte[100];
            // A restore: rows arrive one by one and the table grows (doubling) as they do.
            long start = System.nanoTime();
            for (int i = 0; i < rows; i++)
            {
                storage.loadEncoded(0, String.format("user%08d", i).getBytes(), Row.encode(Versions.pack(1, 0), false,
                    value));
            }
            storage.restoredTo(1);
            final long loadNanos = System.nanoTime() - start;
            final int generations = storage.tableForTest(0).generation();
            final int segments = storage.tableMap(0).segments();
            final long disk = Disk.allocatedBytes(new File(dir, "tables"));
            // An epoch announcing as many writes again moves the table to a bigger map: one growth of all its rows.
            start = System.nanoTime();
            storage.ensureCapacity(0, rows, rows * (12L + value.length));
            final long growNanos = System.nanoTime() - start;
            System.out.printf(Locale.ROOT, "restore %d rows (12-byte keys, 100-byte values) into an empty table: " +
                "%.0f ms (%.2f us/row), %d map files on the way, %d segments, disk %.1f MB%n", rows, loadNanos / 1e6,
                loadNanos / 1e3 / rows, generations, segments, disk / 1e6);
            System.out.printf(Locale.ROOT, "grow the table of %d rows from %d to %d segments: %.0f ms (%.2f us/row)%n",
                rows, segments, storage.tableMap(0).segments(), growNanos / 1e6, growNanos / 1e3 / rows);
        }
    }

    private static void first(final File dir, final boolean warm)
    {
        final long jvmStart = System.nanoTime();
        long warmUpNanos = 0;
        if (warm)
        {
            warmUpNanos = System.nanoTime();
            Storage.warmUp();
            warmUpNanos = System.nanoTime() - warmUpNanos;
        }
        try (Storage storage = new Storage(new StorageConfig().directory(dir)))
        {
            long start = System.nanoTime();
            storage.createTable(0, "t");
            final long createNanos = System.nanoTime() - start;
            start = System.nanoTime();
            storage.ensureCapacity(0, 1, 10);
            storage.beginEpoch(1);
            storage.write(0, "k".getBytes(), Versions.pack(1, 0), false, "v".getBytes());
            storage.finishEpoch(1);
            final long firstRowNanos = System.nanoTime() - start;
            start = System.nanoTime();
            storage.createTable(1, "u");
            storage.ensureCapacity(1, 1, 10);
            storage.beginEpoch(2);
            storage.write(1, "k".getBytes(), Versions.pack(2, 0), false, "v".getBytes());
            storage.finishEpoch(2);
            final long secondNanos = System.nanoTime() - start;
            System.out.printf(Locale.ROOT, "%s: warmUp %.0f ms; first createTable %.2f ms; its first row (map " +
                "created) %.0f ms; second table and row %.1f ms; total since main %.0f ms%n", warm ? "warm" : "cold",
                warmUpNanos / 1e6, createNanos / 1e6, firstRowNanos / 1e6, secondNanos / 1e6,
                (System.nanoTime() - jvmStart) / 1e6);
        }
    }

    private static void awaitQuietly(final java.util.concurrent.CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void print(final String what, final long nanos, final int count, final Sample before,
        final Sample after)
    {
        System.out.printf(Locale.ROOT, "%s: %.0f ms (%.3f ms each); per table: disk %.1f KB, heap %.1f KB, " +
            "RSS %.1f KB (anonymous %.1f KB), mappings %.2f%n", what, nanos / 1e6, nanos / 1e6 / count,
            (after.disk - before.disk) / 1e3 / count, (after.heap - before.heap) / 1e3 / count,
            (after.rss - before.rss) / 1e3 / count, (after.anon - before.anon) / 1e3 / count,
            (after.mappings - before.mappings) / (double)count);
    }

    private record Sample(long disk, long heap, long rss, long anon, long mappings)
    {
        static Sample take(final File tables)
        {
            for (int i = 0; i < 3; i++)
            {
                System.gc();
            }
            final Runtime runtime = Runtime.getRuntime();
            return new Sample(Disk.allocatedBytes(tables), runtime.totalMemory() - runtime.freeMemory(),
                Disk.status("VmRSS"), Disk.status("RssAnon"), Disk.mappings());
        }
    }
}
