package io.stardust.storage;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Storage refused work that could fill its disk: files are sparse, and a write that finds the disk full would fault
 * in the middle of an epoch. Nothing of the refused work was written. A member stops on it as on any nearly full disk.
 */
public final class StorageFullException extends UncheckedIOException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what could not be done and how much room there is.
     */
    public StorageFullException(final String message)
    {
        super(message, new IOException(message));
    }
}
