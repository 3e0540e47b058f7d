package io.ringlog.client.producer;

import io.aeron.Publication;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.ringlog.client.BrokerConnection;
import io.ringlog.client.BrokerProxy;
import io.ringlog.client.ClientComponent;
import io.ringlog.client.ClientContext;
import io.ringlog.client.ResponseListener;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.RinglogException;
import io.ringlog.client.SyncCall;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.InitProducerIdResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceResponseDecoder;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.HashMap;
import java.util.Map;

/**
 * The native producer: records go into per-partition RecordBatch v2 batches built in place in pooled buffers
 * ({@link RecordAccumulator}), and each sealed batch is offered whole, as one {@code ProduceRequest}, on the
 * client's Aeron ingress.
 *
 * <h2>Sending</h2>
 * {@link #send} returns a {@link SendResult} code at once and never blocks: the record was taken, or there is no
 * room ({@code BACK_PRESSURED}: poll and retry), no session ({@code NOT_CONNECTED}), or it can never be sent
 * ({@code RECORD_TOO_LARGE}, {@code UNKNOWN_PARTITION}). A taken record's {@link SendCompletionHandler} is called
 * exactly once, from {@link RinglogClient#poll()}. A batch is sealed and sent when the next record would not fit,
 * after {@code linger.ms}, or on {@link #flush()}. {@link #sendSync} and {@link #flush} poll until done.
 *
 * <h2>Retries and idempotence</h2>
 * Up to {@code max.in.flight.requests.per.connection} batches per partition are in flight. A retriable failure
 * ({@code BACK_PRESSURED}, {@code NOT_LEADER_OR_FOLLOWER}, {@code REQUEST_TIMED_OUT}, a request without an answer
 * within {@code request.timeout.ms}, a lost session) re-sends that batch and every later one of the partition, in
 * order, after {@code retry.backoff.ms}, until {@code delivery.timeout.ms}. With {@code enable.idempotence} (the
 * default) a batch carries the producer id and epoch from {@code InitProducerId} and its partition's sequence, and a
 * re-send carries the same ones, so the broker drops the duplicates of batches it had already appended and answers
 * with their original offsets. A batch that fails for good leaves a gap in the sequence: the later batches are
 * renumbered and re-sent. A batch whose outcome is unknown when it times out makes the producer ask for a new
 * producer id and renumber everything pending, as Kafka's producer bumps its epoch.
 *
 * <h2>Threads</h2>
 * The client's thread only, like the client.
 */
public final class RinglogProducer implements ClientComponent, AutoCloseable
{
    /** Let the producer choose: Kafka's key hash for a keyed record, round robin otherwise. */
    public static final int ANY_PARTITION = -1;
    /** Stamp the record with the current time. */
    public static final long NOW = -1;
    /** The token a {@link #sendSync} record's completion carries, when a completion handler is set. */
    public static final long SYNC_TOKEN = -1;

    private final RinglogClient client;
    private final SendCompletionHandler handler;
    private final RecordAccumulator accumulator;
    private final Partitioner partitioner = new Partitioner();
    private final Map<String, ProducerTopic> topics = new HashMap<>();
    private final Long2ObjectHashMap<BatchBuffer> inFlight;
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final ProduceRequestEncoder requestEncoder = new ProduceRequestEncoder();
    private final ProduceResponseDecoder responseDecoder = new ProduceResponseDecoder();
    private final UnsafeBuffer keyArray = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer valueArray = new UnsafeBuffer(new byte[0]);
    private final byte acks;
    private final int maxInFlight;
    private final int requestTimeoutMs;
    private final long deliveryTimeoutMs;
    private final long retryBackoffMs;
    private final boolean idempotenceEnabled;
    private final InitProducerIdCall initProducerIdCall = new InitProducerIdCall();
    private boolean needsProducerId;
    private boolean producerIdRequested;
    private long producerIdRetryAtMs;
    private long batchesSent;
    private long retries;
    private long notLeaderAnswers;
    private boolean syncDone;
    private long syncOffset;
    private short syncError;
    private boolean closed;

    /**
     * A producer on {@code client}, with its settings from the client's context. With idempotence on, asks the
     * broker for a producer id before returning.
     *
     * @param handler told of each record's outcome; may be null when only {@link #sendSync} is used.
     * @throws RinglogException when the producer id cannot be had within {@code request.timeout.ms}.
     */
    public RinglogProducer(final RinglogClient client, final SendCompletionHandler handler)
    {
        final ClientContext ctx = client.context();
        this.client = client;
        this.handler = handler;
        this.acks = (byte)ctx.acks();
        this.maxInFlight = ctx.maxInFlightRequestsPerConnection();
        this.requestTimeoutMs = (int)Math.min(Integer.MAX_VALUE, ctx.requestTimeoutMs());
        this.deliveryTimeoutMs = ctx.deliveryTimeoutMs();
        this.retryBackoffMs = ctx.retryBackoffMs();
        this.idempotenceEnabled = ctx.enableIdempotence();
        this.accumulator = new RecordAccumulator(
            ctx.batchSize(), ctx.bufferMemory(), maxInFlight, ctx.lingerMs(), null != handler);
        this.inFlight = new Long2ObjectHashMap<>(
            2 * Math.max(16, accumulator.pool().capacity()), org.agrona.collections.Hashing.DEFAULT_LOAD_FACTOR);
        client.addComponent(this);
        if (idempotenceEnabled)
        {
            client.call(() -> client.proxy().initProducerId(initProducerIdCall), initProducerIdCall, "InitProducerId");
            accumulator.producerId(initProducerIdCall.producerId, initProducerIdCall.producerEpoch);
        }
    }

    /** The producer id from {@code InitProducerId}, or -1 without idempotence. */
    public long producerId()
    {
        return accumulator.producerId();
    }

    public short producerEpoch()
    {
        return accumulator.producerEpoch();
    }

    /**
     * The handle to send to {@code topic}: looked up in metadata once (synchronously), then reused.
     *
     * @throws RinglogException for an unknown topic.
     */
    public ProducerTopic topic(final String topic)
    {
        ProducerTopic t = topics.get(topic);
        if (null == t)
        {
            t = new ProducerTopic(client.metadata(topic), accumulator.ringCapacity());
            topics.put(topic, t);
        }
        return t;
    }

    /**
     * Send one record.
     *
     * @param topic       from {@link #topic(String)}.
     * @param partition   the partition, or {@link #ANY_PARTITION}.
     * @param key         null for a null key; else {@code key[keyOffset, keyOffset + keyLength)}.
     * @param value       null for a null value (a tombstone).
     * @param headers     null for none.
     * @param timestamp   create time in ms since the epoch, or {@link #NOW}.
     * @param token       handed back to the completion handler.
     * @return a {@link SendResult} code.
     */
    public int send(
        final ProducerTopic topic,
        final int partition,
        final DirectBuffer key,
        final int keyOffset,
        final int keyLength,
        final DirectBuffer value,
        final int valueOffset,
        final int valueLength,
        final RecordHeaders headers,
        final long timestamp,
        final long token)
    {
        if (closed || client.isClosed())
        {
            return SendResult.CLOSED;
        }
        if (!client.isConnected())
        {
            return SendResult.NOT_CONNECTED;
        }
        final int partitions = topic.queues.length;
        final int p;
        if (partition == ANY_PARTITION)
        {
            p = null == key ? partitioner.roundRobin(partitions) :
                Partitioner.partitionForKey(key, keyOffset, keyLength, partitions);
        }
        else if (partition < 0 || partition >= partitions)
        {
            return SendResult.UNKNOWN_PARTITION;
        }
        else
        {
            p = partition;
        }
        final long nowMs = System.currentTimeMillis();
        final PartitionQueue queue = topic.queues[p];
        final int result = accumulator.append(queue, timestamp == NOW ? nowMs : timestamp,
            key, keyOffset, keyLength, value, valueOffset, valueLength, headers, token, nowMs);
        if (result == SendResult.OK && queue.size() > queue.inFlight)
        {
            sendReady(queue, nowMs); // a batch was sealed by this append: send it without waiting for the next poll
        }
        return result;
    }

    /** As the full {@link #send}, from byte arrays (null for null) with no headers, stamped now. */
    public int send(final ProducerTopic topic, final int partition, final byte[] key, final byte[] value, final long token)
    {
        return send(topic, partition, key, value, null, NOW, token);
    }

    /** As the full {@link #send}, from byte arrays (wrapped, not copied; null for null). */
    public int send(
        final ProducerTopic topic,
        final int partition,
        final byte[] key,
        final byte[] value,
        final RecordHeaders headers,
        final long timestamp,
        final long token)
    {
        if (null != key)
        {
            keyArray.wrap(key);
        }
        if (null != value)
        {
            valueArray.wrap(value);
        }
        return send(topic, partition, null == key ? null : keyArray, 0, null == key ? -1 : key.length,
            null == value ? null : valueArray, 0, null == value ? -1 : value.length, headers, timestamp, token);
    }

    /**
     * Send one record and wait for its acknowledgement: seals its batch at once (no linger) and polls the client
     * until the answer, retrying while back-pressured or reconnecting, within {@code delivery.timeout.ms}. The
     * completion handler, if any, is told too, with {@link #SYNC_TOKEN}.
     *
     * @return the record's offset (-1 with acks=0).
     * @throws RinglogException with the broker's error, {@code MESSAGE_TOO_LARGE}, {@code
     *                          UNKNOWN_TOPIC_OR_PARTITION} or {@code REQUEST_TIMED_OUT}.
     */
    public long sendSync(
        final ProducerTopic topic,
        final int partition,
        final byte[] key,
        final byte[] value,
        final RecordHeaders headers,
        final long timestamp)
    {
        final long deadlineMs = System.currentTimeMillis() + deliveryTimeoutMs;
        final int[] code = {SendResult.BACK_PRESSURED};
        client.pollUntil(() ->
        {
            code[0] = send(topic, partition, key, value, headers, timestamp, SYNC_TOKEN);
            return code[0] != SendResult.BACK_PRESSURED && code[0] != SendResult.NOT_CONNECTED;
        }, deadlineMs);
        switch (code[0])
        {
            case SendResult.OK -> { }
            case SendResult.RECORD_TOO_LARGE -> throw new RinglogException(NativeErrors.MESSAGE_TOO_LARGE,
                "the record does not fit in a batch of batch.size=" + client.context().batchSize() + " bytes");
            case SendResult.UNKNOWN_PARTITION -> throw new RinglogException(NativeErrors.UNKNOWN_TOPIC_OR_PARTITION,
                topic.name() + "-" + partition);
            case SendResult.CLOSED -> throw new RinglogException(NativeErrors.SESSION_CLOSED, "producer closed");
            default -> throw new RinglogException(NativeErrors.REQUEST_TIMED_OUT,
                "could not send within delivery.timeout.ms: " + SendResult.name(code[0]));
        }
        final PartitionQueue queue = accumulator.lastQueue();
        final BatchBuffer batch = queue.open;
        batch.syncIndex = batch.recordCount() - 1;
        syncDone = false;
        client.pollUntil(() ->
        {
            if (null != queue.open && !queue.isFull())
            {
                accumulator.seal(queue);
            }
            return syncDone;
        }, deadlineMs);
        if (!syncDone)
        {
            batch.syncIndex = -1;
            throw new RinglogException(NativeErrors.REQUEST_TIMED_OUT, "no acknowledgement within delivery.timeout.ms");
        }
        if (syncError != NativeErrors.NONE)
        {
            throw new RinglogException(syncError, "send to " + topic.name() + "-" + queue.partition + " failed");
        }
        return syncOffset;
    }

    /**
     * Seal every open batch and poll until every record taken so far is acknowledged or failed, within
     * {@code delivery.timeout.ms}.
     *
     * @throws RinglogException {@code REQUEST_TIMED_OUT} when records are still pending at the deadline.
     */
    public void flush()
    {
        final long deadlineMs = System.currentTimeMillis() + deliveryTimeoutMs;
        if (!client.pollUntil(() ->
        {
            accumulator.sealDue(System.currentTimeMillis(), true);
            return accumulator.isEmpty();
        }, deadlineMs))
        {
            throw new RinglogException(NativeErrors.REQUEST_TIMED_OUT, "flush: records still pending after " +
                deliveryTimeoutMs + " ms");
        }
    }

    /** ProduceRequests offered so far (re-sends included). */
    public long batchesSent()
    {
        return batchesSent;
    }

    /** Batches the broker answered with a retriable error, re-sent since. */
    public long retries()
    {
        return retries;
    }

    /** Batches sealed or in flight, and open ones, across partitions: 0 after a successful {@link #flush()}. */
    public int pendingBatches()
    {
        int pending = 0;
        for (int i = 0; i < accumulator.activeCount(); i++)
        {
            final PartitionQueue q = accumulator.active(i);
            pending += q.size() + (null == q.open ? 0 : 1);
        }
        return pending;
    }

    @Override
    public int doWork(final long nowMs)
    {
        if (closed)
        {
            return 0;
        }
        int work = 0;
        if (needsProducerId)
        {
            work += requestProducerId(nowMs);
        }
        work += accumulator.sealDue(nowMs, false);
        for (int i = 0; i < accumulator.activeCount(); i++)
        {
            final PartitionQueue queue = accumulator.active(i);
            work += expire(queue, nowMs);
            work += sendReady(queue, nowMs);
        }
        if (work > 0)
        {
            accumulator.compactActive();
        }
        return work;
    }

    /** Offer the partition's sealed batches in sequence order, up to the in-flight limit. */
    private int sendReady(final PartitionQueue queue, final long nowMs)
    {
        if (needsProducerId || nowMs < queue.retryAfterMs)
        {
            return 0;
        }
        final BrokerConnection connection = route(queue, nowMs);
        if (null == connection || !connection.isOpen())
        {
            return 0;
        }
        int sent = 0;
        for (int i = 0; i < queue.size() && queue.inFlight < maxInFlight; i++)
        {
            final BatchBuffer b = queue.get(i);
            if (b.state == BatchBuffer.SEALED)
            {
                if (!offer(queue, connection.proxy(), b, nowMs))
                {
                    break;
                }
                sent++;
            }
        }
        if (sent > 0 && acks == 0)
        {
            accumulator.releaseDone(queue);
        }
        return sent;
    }

    /**
     * The connection to the partition's leader, looked up again only when the client's routing changed (one int
     * compare otherwise). When the leader moved, every batch in flight to the old one is made unsent again, to be
     * re-sent in order to the new one with the same sequences: the old leader's answers to them are stale from now.
     */
    private BrokerConnection route(final PartitionQueue queue, final long nowMs)
    {
        final int version = client.routingVersion();
        if (queue.routingVersion != version)
        {
            final BrokerConnection leader = client.leaderConnection(queue.topic.name(), queue.partition);
            if (leader != queue.connection && queue.inFlight > 0)
            {
                retryFrom(queue, null, nowMs);
                queue.retryAfterMs = nowMs;
            }
            queue.connection = leader;
            queue.routingVersion = client.routingVersion();
        }
        return queue.connection;
    }

    private boolean offer(final PartitionQueue queue, final BrokerProxy proxy, final BatchBuffer b, final long nowMs)
    {
        final long correlationId = proxy.nextCorrelationId();
        final ProducerTopic topic = queue.topic;
        final int length = b.encodeRequest(requestEncoder, headerEncoder, proxy.sessionId(), correlationId,
            topic.topicIdMsb(), topic.topicIdLsb(), queue.partition, requestTimeoutMs, acks);
        final long result = proxy.offer(b.buffer, 0, length);
        if (result < 0)
        {
            if (result == Publication.MAX_POSITION_EXCEEDED)
            {
                client.context().errorHandler().onError(new RinglogException(NativeErrors.SESSION_CLOSED,
                    "ingress publication reached its maximum position"));
            }
            return false;
        }
        if (acks == 0)
        {
            complete(b, -1, NativeErrors.NONE);
            return true;
        }
        batchesSent++;
        b.state = BatchBuffer.IN_FLIGHT;
        b.correlationId = correlationId;
        b.sentMs = nowMs;
        queue.inFlight++;
        inFlight.put(correlationId, b);
        return true;
    }

    /** Request and delivery timeouts of one partition's batches. */
    private int expire(final PartitionQueue queue, final long nowMs)
    {
        int work = 0;
        for (int i = 0; i < queue.size(); i++)
        {
            final BatchBuffer b = queue.get(i);
            if (b.state == BatchBuffer.IN_FLIGHT && nowMs - b.sentMs >= requestTimeoutMs)
            {
                retryFrom(queue, b, nowMs); // no answer: send it again (same sequence), and everything after it
                work++;
                break;
            }
        }
        while (queue.size() > 0)
        {
            final BatchBuffer head = firstPending(queue);
            if (null == head || nowMs - head.createdMs < deliveryTimeoutMs)
            {
                break;
            }
            final boolean outcomeUnknown = head.state == BatchBuffer.IN_FLIGHT || head.correlationId != 0;
            if (head.state == BatchBuffer.IN_FLIGHT)
            {
                inFlight.remove(head.correlationId);
                queue.inFlight--;
            }
            complete(head, -1, NativeErrors.REQUEST_TIMED_OUT);
            accumulator.releaseDone(queue);
            if (idempotenceEnabled && outcomeUnknown)
            {
                resetProducerId(); // the broker may or may not have it: sequences can no longer be trusted
            }
            work++;
        }
        return work;
    }

    private static BatchBuffer firstPending(final PartitionQueue queue)
    {
        for (int i = 0; i < queue.size(); i++)
        {
            final BatchBuffer b = queue.get(i);
            if (b.state != BatchBuffer.DONE)
            {
                return b;
            }
        }
        return null;
    }

    /** Make {@code from} and every later in-flight batch of its partition unsent again; answers to them are stale. */
    private void retryFrom(final PartitionQueue queue, final BatchBuffer from, final long nowMs)
    {
        final int start = queue.indexOf(from);
        for (int i = Math.max(0, start); i < queue.size(); i++)
        {
            final BatchBuffer b = queue.get(i);
            if (b.state == BatchBuffer.IN_FLIGHT)
            {
                inFlight.remove(b.correlationId);
                b.state = BatchBuffer.SEALED;
                queue.inFlight--;
            }
        }
        queue.retryAfterMs = nowMs + retryBackoffMs;
    }

    @Override
    public ControlledFragmentHandler.Action onMessage(
        final int templateId,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int blockLength,
        final int version)
    {
        if (templateId != ProduceResponseDecoder.TEMPLATE_ID)
        {
            return null;
        }
        final ProduceResponseDecoder d = responseDecoder.wrap(
            buffer, offset + MessageHeaderEncoder.ENCODED_LENGTH, blockLength, version);
        final short errorCode = d.errorCode();
        final int leaderId = errorCode == NativeErrors.NOT_LEADER_OR_FOLLOWER ? d.leaderId() : -1;
        onProduceAnswer(d.correlationId(), errorCode, d.baseOffset(), client.nowMs(), leaderId,
            leaderId >= 0 ? d.leaderEpoch() : -1);
        return ControlledFragmentHandler.Action.CONTINUE;
    }

    @Override
    public boolean onError(final long correlationId, final short errorCode, final String message)
    {
        if (!inFlight.containsKey(correlationId))
        {
            return false;
        }
        onProduceAnswer(correlationId, errorCode, -1, client.nowMs(), -1, -1);
        return true;
    }

    private void onProduceAnswer(final long correlationId, final short errorCode, final long baseOffset, final long nowMs,
        final int leaderId, final int leaderEpoch)
    {
        final BatchBuffer b = inFlight.remove(correlationId);
        if (null == b)
        {
            if (acks == 0 && errorCode != NativeErrors.NONE)
            {
                // acks=0 is answered only when it failed: the records are lost, and nobody else can be told.
                client.context().errorHandler().onError(new RinglogException(errorCode,
                    "an acks=0 batch was refused (request " + correlationId + ")"));
            }
            return; // else stale: the batch was re-sent after this request, or has timed out
        }
        final PartitionQueue queue = b.queue;
        queue.inFlight--;
        if (errorCode == NativeErrors.NONE || errorCode == NativeErrors.DUPLICATE_SEQUENCE_NUMBER)
        {
            complete(b, baseOffset, NativeErrors.NONE);
            accumulator.releaseDone(queue);
            return;
        }
        if (isRetriable(errorCode, queue, b) && nowMs - b.createdMs < deliveryTimeoutMs)
        {
            retries++;
            b.state = BatchBuffer.SEALED;
            retryFrom(queue, b, nowMs);
            if (errorCode == NativeErrors.NOT_LEADER_OR_FOLLOWER)
            {
                notLeaderAnswers++;
                // The broker named the leader: go there at once (the retry backoff still applies), and refresh.
                client.onNotLeader(queue.topic.name(), queue.partition, leaderId, leaderEpoch);
                if (leaderId >= 0 && (null == queue.connection || leaderId != queue.connection.nodeId()))
                {
                    queue.retryAfterMs = nowMs; // another broker: no reason to wait
                }
            }
            else if (errorCode == NativeErrors.UNKNOWN_TOPIC_ID)
            {
                client.requestRefresh();
            }
            return;
        }
        failBatch(queue, b, errorCode, nowMs);
    }

    /**
     * Out-of-order answers for a batch behind one being retried are expected (the broker refused it because the
     * earlier one was not appended): they are retried with it, not failed.
     */
    private boolean isRetriable(final short errorCode, final PartitionQueue queue, final BatchBuffer b)
    {
        if (NativeErrors.isRetriable(errorCode) || errorCode == NativeErrors.UNKNOWN_TOPIC_ID)
        {
            return true;
        }
        if (errorCode == NativeErrors.OUT_OF_ORDER_SEQUENCE_NUMBER)
        {
            final int index = queue.indexOf(b);
            for (int i = 0; i < index; i++)
            {
                if (queue.get(i).state == BatchBuffer.SEALED)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /** Fail a batch for good; with idempotence, close the gap it leaves by renumbering the batches after it. */
    private void failBatch(final PartitionQueue queue, final BatchBuffer b, final short errorCode, final long nowMs)
    {
        final int index = queue.indexOf(b);
        final int sequence = b.baseSequence;
        complete(b, -1, errorCode);
        if (idempotenceEnabled && errorCode != NativeErrors.INVALID_PRODUCER_EPOCH)
        {
            retryFrom(queue, b, nowMs);
            queue.retryAfterMs = nowMs;
            accumulator.renumber(queue, index + 1, sequence);
        }
        if (errorCode == NativeErrors.INVALID_PRODUCER_EPOCH ||
            (errorCode == NativeErrors.OUT_OF_ORDER_SEQUENCE_NUMBER && idempotenceEnabled))
        {
            resetProducerId();
        }
        accumulator.releaseDone(queue);
    }

    /** Call the handler for every record of the batch and mark it done. */
    private void complete(final BatchBuffer b, final long baseOffset, final short errorCode)
    {
        final PartitionQueue queue = b.queue;
        b.state = BatchBuffer.DONE;
        if (b.syncIndex >= 0)
        {
            syncDone = true;
            syncError = errorCode;
            syncOffset = baseOffset < 0 ? -1 : baseOffset + b.syncIndex;
        }
        final SendCompletionHandler h = handler;
        if (null != h)
        {
            final String topic = queue.topic.name();
            final int partition = queue.partition;
            final long[] tokens = b.tokens;
            for (int i = 0, n = b.recordCount(); i < n; i++)
            {
                try
                {
                    h.onComplete(topic, partition, baseOffset < 0 ? -1 : baseOffset + i, errorCode, tokens[i]);
                }
                catch (final RuntimeException ex)
                {
                    // The handler's bug must not leave the batch half-completed: report it and go on.
                    client.context().errorHandler().onError(ex);
                }
            }
        }
    }

    /** Ask for a new producer id; pending batches are re-stamped from sequence 0 when it comes. */
    private void resetProducerId()
    {
        if (!idempotenceEnabled)
        {
            return;
        }
        needsProducerId = true;
        producerIdRequested = false;
        for (final PartitionQueue queue : allQueues())
        {
            retryFrom(queue, null, 0);
            queue.retryAfterMs = 0;
        }
    }

    private int requestProducerId(final long nowMs)
    {
        final BrokerProxy proxy = client.proxy();
        if (producerIdRequested || nowMs < producerIdRetryAtMs || !proxy.isSessionOpen())
        {
            return 0;
        }
        final ResponseListener listener = new ResponseListener()
        {
            @Override
            public void onResponse(
                final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
            {
                initProducerIdCall.onResponse(templateId, buffer, offset, blockLength, version);
                if (initProducerIdCall.errorCode() == NativeErrors.NONE)
                {
                    onNewProducerId(initProducerIdCall.producerId, initProducerIdCall.producerEpoch);
                }
                else
                {
                    onError(initProducerIdCall.errorCode(), "InitProducerId failed");
                }
            }

            @Override
            public void onError(final short errorCode, final String message)
            {
                producerIdRequested = false;
                producerIdRetryAtMs = client.nowMs() + retryBackoffMs;
            }
        };
        if (proxy.initProducerId(listener) > 0)
        {
            producerIdRequested = true;
            return 1;
        }
        return 0;
    }

    private void onNewProducerId(final long producerId, final short producerEpoch)
    {
        accumulator.producerId(producerId, producerEpoch);
        for (final PartitionQueue queue : allQueues())
        {
            accumulator.renumber(queue, 0, 0);
        }
        needsProducerId = false;
        producerIdRequested = false;
    }

    private java.util.List<PartitionQueue> allQueues()
    {
        final java.util.List<PartitionQueue> all = new java.util.ArrayList<>();
        for (final ProducerTopic topic : topics.values())
        {
            java.util.Collections.addAll(all, topic.queues);
        }
        return all;
    }

    @Override
    public void onSessionOpened(final BrokerConnection connection, final boolean reconnected)
    {
        // Unacknowledged batches were made unsent when the session was lost; doWork sends them again, in order,
        // with the same producer id, epoch and sequences.
    }

    @Override
    public void onSessionLost(final BrokerConnection connection, final boolean controlConnection, final String reason)
    {
        // Batches in flight to that broker will not be answered: unsent again, re-sent once their partition has a
        // leader with an open connection (the same broker back, or the new leader metadata names).
        for (int i = 0; i < accumulator.activeCount(); i++)
        {
            final PartitionQueue queue = accumulator.active(i);
            if (queue.connection == connection)
            {
                retryFrom(queue, null, 0);
                queue.retryAfterMs = 0;
            }
        }
    }

    /** NOT_LEADER_OR_FOLLOWER answers so far (each retried on the partition's leader). */
    public long notLeaderAnswers()
    {
        return notLeaderAnswers;
    }

    /**
     * Flush (bounded by {@code delivery.timeout.ms}), then fail whatever is still pending with
     * {@code SESSION_CLOSED}. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        try
        {
            if (!client.isClosed())
            {
                flush();
            }
        }
        catch (final RinglogException ex)
        {
            client.context().errorHandler().onError(ex);
        }
        finally
        {
            onClose();
        }
    }

    @Override
    public void onClose()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final PartitionQueue queue : allQueues())
        {
            if (null != queue.open && !queue.isFull())
            {
                accumulator.seal(queue);
            }
            for (int i = 0; i < queue.size(); i++)
            {
                final BatchBuffer b = queue.get(i);
                if (b.state != BatchBuffer.DONE)
                {
                    complete(b, -1, NativeErrors.SESSION_CLOSED);
                }
            }
            if (null != queue.open)
            {
                complete(queue.open, -1, NativeErrors.SESSION_CLOSED);
            }
        }
        inFlight.clear();
    }

    /** Decodes {@code InitProducerIdResponse}. */
    private static final class InitProducerIdCall extends SyncCall
    {
        private final InitProducerIdResponseDecoder decoder = new InitProducerIdResponseDecoder();
        long producerId = -1;
        short producerEpoch = -1;

        @Override
        protected short decode(
            final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
        {
            if (templateId != InitProducerIdResponseDecoder.TEMPLATE_ID)
            {
                return NativeErrors.MALFORMED_MESSAGE;
            }
            decoder.wrap(buffer, offset, blockLength, version);
            producerId = decoder.producerId();
            producerEpoch = decoder.producerEpoch();
            return decoder.errorCode();
        }
    }
}
