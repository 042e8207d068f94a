package io.stardust.server;

import io.stardust.protocol.ClusterSpec;
import org.agrona.CloseHelper;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Row checkpoint files between members, for a member rebuilding from its peers ({@link PeerBootstrap}): each member
 * serves its completed checkpoint files read-only, by exact name, over TCP on its base port + 8; a rebuilding member
 * fetches one, forces it, and installs it with a rename and a forced directory. The receiver checks the file's CRC-32.
 */
final class CheckpointTransfer
{
    /**
     * Port offset (from a member's base port, see {@link ClusterSpec}) of its {@link Server}, over TCP.
     * Offsets 0 to 7 are the member's UDP ports; {@link ClusterSpec#PORTS_PER_MEMBER} reserves 10.
     */
    static final int CHECKPOINT_PORT_OFFSET = ClusterSpec.CHECKPOINT_PORT_OFFSET;
    /** Socket timeout of a checkpoint transfer (connect, and each read while no byte comes). */
    private static final int IO_TIMEOUT_MS = 30_000;
    /** First bytes of a request. */
    private static final int REQUEST_MAGIC = 0x53445231;
    /** The only names served: completed row checkpoints. */
    private static final Pattern CHECKPOINT_NAME = Pattern.compile("rows-\\d{20}\\.rows");

    private CheckpointTransfer()
    {
    }

    /**
     * Ask one peer's {@link Server} for a file.
     *
     * @return its length, or -1 when the peer does not have it.
     */
    static long fetch(final ClusterSpec.Member peer, final String name, final File into) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(peer.host(), peer.port(CHECKPOINT_PORT_OFFSET)), IO_TIMEOUT_MS);
            socket.setSoTimeout(IO_TIMEOUT_MS);
            final DataOutputStream request = new DataOutputStream(socket.getOutputStream());
            request.writeInt(REQUEST_MAGIC);
            request.writeUTF(name);
            request.flush();
            final DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            final long length = in.readLong();
            if (length < 0)
            {
                return -1;
            }
            try (FileOutputStream out = new FileOutputStream(into))
            {
                copy(in, out, length);
                out.getFD().sync();
            }
            return length;
        }
    }

    private static void copy(final InputStream in, final OutputStream out, final long length) throws IOException
    {
        final byte[] buffer = new byte[1 << 16];
        long left = length;
        while (left > 0)
        {
            final int n = in.read(buffer, 0, (int)Math.min(buffer.length, left));
            if (n < 0)
            {
                throw new EOFException("the stream ended " + left + " bytes short of " + length);
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    /** @return the epoch a checkpoint file says it holds (its header: magic, then epoch). */
    static long epochOf(final File file) throws IOException
    {
        try (DataInputStream in = new DataInputStream(new FileInputStream(file)))
        {
            in.readInt();
            return in.readLong();
        }
    }

    /** Rename into place and force the directory entry, as {@link RowCheckpoint} does for its own files. */
    static void install(final File tmp, final File target) throws IOException
    {
        try
        {
            Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel channel = FileChannel.open(target.getParentFile().toPath(), StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    /**
     * Serves this member's completed row checkpoint files, read-only and by exact name, to a peer rebuilding from
     * it. One connection at a time on one daemon thread, each bounded by a socket timeout. Request: an int magic and
     * the file name ({@code rows-<20 digits>.rows}); answer: the length as a long, then the bytes, or -1 when the
     * file is not there. Files are only ever renamed into place whole and never changed after, so a file is sent as
     * it is; the receiver checks its CRC-32.
     */
    static final class Server implements AutoCloseable
    {
        private final ServerSocket socket;
        private final File dir;
        private final Consumer<String> log;
        private final Thread thread;
        private volatile Socket current;
        private volatile boolean closed;

        private Server(final ServerSocket socket, final File dir, final Consumer<String> log,
            final int memberId)
        {
            this.socket = socket;
            this.dir = dir;
            this.log = log;
            this.thread = new Thread(this::run, "stardust-checkpoint-server-" + memberId);
            this.thread.setDaemon(true);
        }

        /**
         * @return the running server, or null when its port cannot be bound (logged: this member then cannot seed
         * a rebuilding peer, the others still can).
         */
        static Server launch(final ClusterSpec.Member self, final File dir, final Consumer<String> log)
        {
            final ServerSocket socket;
            try
            {
                socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(self.host(), self.port(CHECKPOINT_PORT_OFFSET)), 4);
            }
            catch (final IOException ex)
            {
                log.accept("warning: cannot serve row checkpoints to rebuilding peers on TCP port " +
                    self.port(CHECKPOINT_PORT_OFFSET) + ": " + ex.getMessage());
                return null;
            }
            final Server server = new Server(socket, dir, log, self.id());
            server.thread.start();
            return server;
        }

        private void run()
        {
            while (!closed)
            {
                try (Socket client = socket.accept())
                {
                    current = client;
                    client.setSoTimeout(IO_TIMEOUT_MS);
                    serve(client);
                }
                catch (final IOException | RuntimeException ex)
                {
                    if (!closed)
                    {
                        log.accept("row checkpoint server: " + ex);
                    }
                }
            }
        }

        private void serve(final Socket client) throws IOException
        {
            final DataInputStream in = new DataInputStream(client.getInputStream());
            if (in.readInt() != REQUEST_MAGIC)
            {
                return;
            }
            final String name = in.readUTF();
            final DataOutputStream out = new DataOutputStream(new BufferedOutputStream(client.getOutputStream(),
                1 << 16));
            final File file = new File(dir, name);
            if (!CHECKPOINT_NAME.matcher(name).matches() || !file.isFile())
            {
                out.writeLong(-1);
                out.flush();
                return;
            }
            try (FileInputStream source = new FileInputStream(file))
            {
                final long length = source.getChannel().size();
                out.writeLong(length);
                copy(source, out, length);
            }
            out.flush();
            log.accept("served row checkpoint " + name + " to " + client.getRemoteSocketAddress());
        }

        @Override
        public void close()
        {
            closed = true;
            CloseHelper.quietClose(socket);
            CloseHelper.quietClose(current);
            try
            {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
