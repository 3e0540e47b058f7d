package io.ringlog.journal.storage;

import java.io.File;

/**
 * How much space the file system holding a log directory has left. The journal asks before it maps a new segment and
 * while it fills a sparse one, so a full disk becomes {@code STORAGE_FULL} instead of a SIGBUS that kills the JVM.
 * Tests plug in a store with a chosen amount of space. Takes a {@link File} the caller keeps, so a check allocates
 * nothing.
 */
@FunctionalInterface
public interface DiskSpace
{
    /** The real file system's usable bytes ({@code statvfs}). */
    DiskSpace FILE_SYSTEM = File::getUsableSpace;

    /**
     * @param dir a directory on the file system in question.
     * @return bytes an unprivileged writer may still use there.
     */
    long usableBytes(File dir);
}
