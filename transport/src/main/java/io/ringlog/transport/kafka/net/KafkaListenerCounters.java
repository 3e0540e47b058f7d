package io.ringlog.transport.kafka.net;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The counters of one {@link KafkaListener}, as Agrona {@link AtomicCounter}s: in the broker's
 * {@link CountersManager} when one is given (shared memory, readable by tools from outside the
 * process, as Aeron's counters are), or in a private one otherwise.
 * <p>
 * <b>Thread:</b> written only by the selector thread, with release (ordered) stores; the getters
 * read with acquire semantics and are safe from any thread.
 */
public final class KafkaListenerCounters implements AutoCloseable
{
    /** Type id of the listener's counters in a shared {@link CountersManager}. */
    public static final int KAFKA_LISTENER_COUNTER_TYPE_ID = 1101;

    private static final int COUNTER_COUNT = 16;

    private final CountersManager countersManager;
    private final boolean sharedCountersManager;
    final AtomicCounter acceptedConnections;
    final AtomicCounter closedConnections;
    final AtomicCounter activeConnections;
    final AtomicCounter acceptPauses;
    final AtomicCounter idleConnectionsClosed;
    final AtomicCounter badFrames;
    final AtomicCounter unsupportedVersions;
    final AtomicCounter requests;
    final AtomicCounter responses;
    final AtomicCounter bytesIn;
    final AtomicCounter bytesOut;
    final AtomicCounter memoryWaits;
    final AtomicCounter sendStalls;
    final AtomicCounter handlerErrors;
    private final AtomicCounter[] all;

    KafkaListenerCounters(final String name, final CountersManager countersManager)
    {
        this.sharedCountersManager = null != countersManager;
        this.countersManager = sharedCountersManager ? countersManager : privateCountersManager();
        final String prefix = "kafka listener " + name + ": ";
        acceptedConnections = counter(prefix + "connections accepted");
        closedConnections = counter(prefix + "connections closed");
        activeConnections = counter(prefix + "connections open");
        acceptPauses = counter(prefix + "accept paused at max.connections");
        idleConnectionsClosed = counter(prefix + "idle connections closed");
        badFrames = counter(prefix + "bad frames");
        unsupportedVersions = counter(prefix + "unsupported versions");
        requests = counter(prefix + "requests");
        responses = counter(prefix + "responses sent");
        bytesIn = counter(prefix + "bytes in");
        bytesOut = counter(prefix + "bytes out");
        memoryWaits = counter(prefix + "reads paused for request memory");
        sendStalls = counter(prefix + "sends waiting for socket buffer");
        handlerErrors = counter(prefix + "handler errors");
        all = new AtomicCounter[]{
            acceptedConnections, closedConnections, activeConnections, acceptPauses, idleConnectionsClosed, badFrames,
            unsupportedVersions, requests, responses, bytesIn, bytesOut, memoryWaits, sendStalls, handlerErrors };
    }

    /**
     * @return connections accepted since start.
     */
    public long acceptedConnections()
    {
        return acceptedConnections.getAcquire();
    }

    /**
     * @return connections closed since start, for any reason.
     */
    public long closedConnections()
    {
        return closedConnections.getAcquire();
    }

    /**
     * @return connections open now.
     */
    public long activeConnections()
    {
        return activeConnections.getAcquire();
    }

    /**
     * @return times accepting stopped because {@code max.connections} were open.
     */
    public long acceptPauses()
    {
        return acceptPauses.getAcquire();
    }

    /**
     * @return connections closed after {@code connections.max.idle.ms} without traffic.
     */
    public long idleConnectionsClosed()
    {
        return idleConnectionsClosed.getAcquire();
    }

    /**
     * @return frames refused (bad length, truncated header, unknown api key, unreadable body):
     * each closed its connection.
     */
    public long badFrames()
    {
        return badFrames.getAcquire();
    }

    /**
     * @return requests at a version the broker does not support (answered or closed).
     */
    public long unsupportedVersions()
    {
        return unsupportedVersions.getAcquire();
    }

    /**
     * @return requests with a well-formed header.
     */
    public long requests()
    {
        return requests.getAcquire();
    }

    /**
     * @return responses sent in full.
     */
    public long responses()
    {
        return responses.getAcquire();
    }

    /**
     * @return bytes read from sockets.
     */
    public long bytesIn()
    {
        return bytesIn.getAcquire();
    }

    /**
     * @return bytes written to sockets, records sent with transferTo included.
     */
    public long bytesOut()
    {
        return bytesOut.getAcquire();
    }

    /**
     * @return times a connection stopped reading because the request memory pool was exhausted.
     */
    public long memoryWaits()
    {
        return memoryWaits.getAcquire();
    }

    /**
     * @return times a response filled the socket's send buffer and waited for it to drain.
     */
    public long sendStalls()
    {
        return sendStalls.getAcquire();
    }

    /**
     * @return exceptions thrown by the request handler (each closed its connection).
     */
    public long handlerErrors()
    {
        return handlerErrors.getAcquire();
    }

    /**
     * @return the counters manager holding these counters.
     */
    public CountersReader countersReader()
    {
        return countersManager;
    }

    /**
     * Free the counters from a shared {@link CountersManager}. Private counters are kept, so that
     * their last values stay readable after the listener closed.
     */
    public void close()
    {
        if (sharedCountersManager)
        {
            for (final AtomicCounter counter : all)
            {
                counter.close();
            }
        }
    }

    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        for (final AtomicCounter counter : all)
        {
            sb.append(counter.label()).append('=').append(counter.getAcquire()).append('\n');
        }
        return sb.toString();
    }

    private AtomicCounter counter(final String label)
    {
        return countersManager.newCounter(label, KAFKA_LISTENER_COUNTER_TYPE_ID);
    }

    private static CountersManager privateCountersManager()
    {
        // Nobody outside the process reads private counters, but AtomicCounter needs aligned memory,
        // which a direct ByteBuffer gives.
        final UnsafeBuffer metadata = new UnsafeBuffer(
            java.nio.ByteBuffer.allocateDirect(COUNTER_COUNT * CountersReader.METADATA_LENGTH));
        final UnsafeBuffer values = new UnsafeBuffer(
            java.nio.ByteBuffer.allocateDirect(COUNTER_COUNT * CountersReader.COUNTER_LENGTH));
        return new CountersManager(metadata, values);
    }
}
