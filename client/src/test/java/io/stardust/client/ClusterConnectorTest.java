package io.stardust.client;

import io.aeron.Aeron;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.DatagramSocket;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterConnectorTest
{
    @Test
    void shouldStartOverWithFreshAttemptsAndSayWhereEachStopped() throws Exception
    {
        final String dir = new File(System.getProperty("java.io.tmpdir"), "connector-" + UUID.randomUUID()).getPath();
        MediaDriver driver = null;
        Aeron aeron = null;
        try (DatagramSocket deaf = new DatagramSocket(0))
        {
            driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir)
                .threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true));
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
            final Aeron client = aeron;
            // A socket that takes the ingress datagrams and never answers: no attempt can get past the publication.
            final String ingress = "0=localhost:" + deaf.getLocalPort();
            final int[] contexts = {0};
            final IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> ClusterConnector.connect((timeoutNs) ->
                {
                    contexts[0]++;
                    return new AeronCluster.Context().aeron(client).ownsAeronClient(false)
                        .ingressChannel("aeron:udp").ingressEndpoints(ingress)
                        .egressChannel("aeron:udp?endpoint=localhost:0").messageTimeoutNs(timeoutNs);
                }, TimeUnit.MILLISECONDS.toNanos(1_500), TimeUnit.MILLISECONDS.toNanos(400)));

            final String message = failed.getMessage();
            assertTrue(contexts[0] >= 3, "one fresh context per attempt, got " + contexts[0] + ": " + message);
            assertEquals(contexts[0], message.split("attempt ").length - 1, message);
            assertTrue(message.contains("attempt 1 (") && message.contains("AWAIT_PUBLICATION_CONNECTED@"), message);
            assertTrue(message.contains("failed after"), message);

            // Without a deadline it keeps trying, and a poll before the first attempt fails just waits.
            try (ClusterConnector endless = new ClusterConnector((timeoutNs) -> new AeronCluster.Context()
                .aeron(client).ownsAeronClient(false).ingressChannel("aeron:udp").ingressEndpoints(ingress)
                .egressChannel("aeron:udp?endpoint=localhost:0").messageTimeoutNs(timeoutNs),
                Long.MAX_VALUE, TimeUnit.MILLISECONDS.toNanos(100)))
            {
                // Until two attempts have failed (each 100 ms), every poll answers "not yet" and none gives up.
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (endless.history().size() < 2 && System.nanoTime() < until)
                {
                    assertNull(endless.poll());
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                assertTrue(endless.history().size() >= 2, endless.history().toString());
            }
        }
        finally
        {
            CloseHelper.quietCloseAll(aeron, driver);
        }
    }
}
