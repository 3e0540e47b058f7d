package io.ringlog.broker.nativeapi;

import io.aeron.Aeron;
import io.aeron.Counter;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;

/**
 * What the native gateway counts, as Aeron counters in the driver's shared memory (type
 * {@link #TYPE_ID}, label {@code ringlog native: <what>}), so AeronStat and the broker's metrics read them from
 * outside the gateway thread. Written by the gateway thread only (single writer, release stores); read anywhere.
 */
public final class GatewayCounters implements AutoCloseable
{
    /** Type id of every gateway counter; the label says which one it is. */
    public static final int TYPE_ID = 7701_10;

    /** Sessions opened (SessionOpened sent). */
    public final AtomicCounter sessionsOpened;
    /** Sessions open now. */
    public final AtomicCounter sessionsOpen;
    /** Sessions expired: nothing heard for the session timeout. */
    public final AtomicCounter sessionsExpired;
    /** Sessions closed by CloseSession. */
    public final AtomicCounter sessionsClosed;
    /** Connects given up: the response channel never connected, the driver refused it, or too many sessions. */
    public final AtomicCounter connectsFailed;
    /** Messages that could not be read (short, wrong schema, lengths past the fragment) or that no broker takes. */
    public final AtomicCounter malformedMessages;
    /** Messages naming a session the broker does not know. */
    public final AtomicCounter unknownSessions;
    /** Produce requests taken into a partition's ring. */
    public final AtomicCounter produces;
    /** Produce requests answered BACK_PRESSURED (ring or request memory full). */
    public final AtomicCounter produceBackPressured;
    /** Answers dropped because their session had gone, or its egress was closed. */
    public final AtomicCounter answersDropped;
    /** Subscriptions streaming now. */
    public final AtomicCounter subscriptionsOpen;
    /** RecordsMessages sent. */
    public final AtomicCounter recordsMessages;
    /** Record bytes sent in RecordsMessages. */
    public final AtomicCounter recordBytes;
    /** Longest duty cycle seen, in nanoseconds. */
    public final AtomicCounter maxDutyCycleNs;

    private final List<Counter> all = new ArrayList<>();

    public GatewayCounters(final Aeron aeron)
    {
        sessionsOpened = add(aeron, "sessions opened");
        sessionsOpen = add(aeron, "sessions open");
        sessionsExpired = add(aeron, "sessions expired");
        sessionsClosed = add(aeron, "sessions closed");
        connectsFailed = add(aeron, "connects failed");
        malformedMessages = add(aeron, "malformed messages");
        unknownSessions = add(aeron, "unknown sessions");
        produces = add(aeron, "produces");
        produceBackPressured = add(aeron, "produces back-pressured");
        answersDropped = add(aeron, "answers dropped");
        subscriptionsOpen = add(aeron, "subscriptions open");
        recordsMessages = add(aeron, "records messages");
        recordBytes = add(aeron, "record bytes");
        maxDutyCycleNs = add(aeron, "max duty cycle ns");
    }

    private Counter add(final Aeron aeron, final String what)
    {
        final Counter counter = aeron.addCounter(TYPE_ID, "ringlog native: " + what);
        all.add(counter);
        return counter;
    }

    @Override
    public void close()
    {
        all.forEach(CloseHelper::quietClose);
    }
}
