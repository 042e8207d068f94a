package io.stardust.storage;

import io.stardust.protocol.Versions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplicaFailureTest
{
    @TempDir
    File dir;

    private Storage storage;

    @BeforeEach
    void open()
    {
        storage = new Storage(new StorageConfig().directory(dir).retainedEpochs(3));
        storage.createTable(0, "t");
        storage.ensureCapacity(0, 1, 2);
        storage.beginEpoch(1);
        storage.write(0, b("a"), Versions.pack(1, 0), false, b("1"));
        storage.finishEpoch(1);
    }

    @AfterEach
    void close()
    {
        storage.close();
    }

    static byte[] b(final String s)
    {
        return s.getBytes(UTF_8);
    }

    @Test
    void shouldRefuseEveryReadAndWriteOnceFailedUntilReset()
    {
        assertNull(storage.failure());
        storage.fail("disk on fire");
        storage.fail("a later reason");
        assertEquals("disk on fire", storage.failure());
        final Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("read", () -> storage.read(0, b("a"), 1));
        calls.put("scan", () -> storage.scan(0, null, null, 1, 10, (k, r) -> { }));
        calls.put("latest", () -> storage.latest(0, b("a")));
        calls.put("latestEncoded", () -> storage.latestEncoded(0, b("a")));
        calls.put("latestVersion", () -> storage.latestVersion(0, b("a")));
        calls.put("firstKeyWrittenAfter", () -> storage.firstKeyWrittenAfter(0, b("a"), b("z"), 0));
        calls.put("encodedAt", () -> storage.encodedAt(0, b("a"), 1));
        calls.put("keys", () -> storage.keys(0));
        calls.put("forEachEncoded", () -> storage.forEachEncoded(0, (k, r) -> { }));
        calls.put("checksum", () -> storage.checksum());
        calls.put("size", () -> storage.size(0));
        calls.put("pin", () -> storage.pin(1));
        calls.put("ensureCapacity", () -> storage.ensureCapacity(0, 1, 1));
        calls.put("beginEpoch", () -> storage.beginEpoch(2));
        calls.put("createTable", () -> storage.createTable(1, "u"));
        calls.put("loadEncoded", () -> storage.loadEncoded(0, b("b"), Row.encode(1, false, b("x"))));
        for (final Map.Entry<String, Executable> call : calls.entrySet())
        {
            final ReplicaFailedException ex = assertThrows(ReplicaFailedException.class, call.getValue(), call.getKey());
            assertEquals("disk on fire", ex.reason());
            assertTrue(ex.getMessage().contains("disk on fire"), ex.getMessage());
        }
        assertEquals(1, storage.appliedEpoch(), "the applied epoch can still be reported");
        storage.reset();
        assertNull(storage.failure());
        storage.createTable(0, "t");
        assertSame(Row.ABSENT, storage.latest(0, b("a")));
    }

    @Test
    void shouldRefuseWritesOfAnEpochThatWasBeingAppliedWhenItFailed()
    {
        storage.ensureCapacity(0, 2, 4);
        storage.beginEpoch(2);
        storage.write(0, b("a"), Versions.pack(2, 0), false, b("2"));
        storage.fail("fault in epoch 2");
        assertThrows(ReplicaFailedException.class, () -> storage.write(0, b("b"), Versions.pack(2, 1), false, b("2")));
        assertThrows(ReplicaFailedException.class, () -> storage.finishEpoch(2));
        assertThrows(ReplicaFailedException.class, () -> storage.read(0, b("a"), 1));
    }

    @Test
    void shouldInjectAFaultAfterTheGivenNumberOfWritesOfAnEpoch()
    {
        storage.failAfterWrites(2);
        storage.ensureCapacity(0, 3, 6);
        storage.beginEpoch(2);
        storage.write(0, b("a"), Versions.pack(2, 0), false, b("2"));
        storage.write(0, b("b"), Versions.pack(2, 1), false, b("2"));
        final IllegalStateException ex = assertThrows(IllegalStateException.class,
            () -> storage.write(0, b("c"), Versions.pack(2, 2), false, b("2")));
        assertTrue(ex.getMessage().startsWith("injected fault: write 3 of epoch 2"), ex.getMessage());
        // The injected fault leaves the epoch half applied, as a real one would; marking it failed is the caller's job.
        assertArrayEquals(b("2"), storage.latest(0, b("b")).value());
        assertSame(Row.ABSENT, storage.latest(0, b("c")));
        assertArrayEquals(b("1"), storage.read(0, b("a"), 1).value());
    }
}
