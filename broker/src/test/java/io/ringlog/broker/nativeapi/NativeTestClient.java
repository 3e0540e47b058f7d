package io.ringlog.broker.nativeapi;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.ringlog.transport.nativeproto.NativeProtocol;
import io.ringlog.transport.nativeproto.codecs.CloseSessionEncoder;
import io.ringlog.transport.nativeproto.codecs.ConnectEncoder;
import io.ringlog.transport.nativeproto.codecs.ErrorResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.InitProducerIdRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.InitProducerIdResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.KeepAliveEncoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderDecoder;
import io.ringlog.transport.nativeproto.codecs.MessageHeaderEncoder;
import io.ringlog.transport.nativeproto.codecs.MetadataRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.MetadataResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.ProduceRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.ProduceResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.RecordsMessageDecoder;
import io.ringlog.transport.nativeproto.codecs.SessionOpenedDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeRequestEncoder;
import io.ringlog.transport.nativeproto.codecs.SubscribeResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SubscriptionEndedDecoder;
import io.ringlog.transport.nativeproto.codecs.UnsubscribeRequestEncoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.common.record.internal.MemoryRecords;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A native client written against the generated codecs only (the client SDK is built separately): its own Aeron
 * client on the broker's driver directory, an exclusive publication to the broker's ingress, a subscription for its
 * egress. After Connect it keeps only the egress image whose Aeron session id answered its Connect, as the protocol
 * says a client must. Every wait polls with a deadline, parking 100 µs between empty polls: it never spins.
 * <p>
 * One test thread.
 */
final class NativeTestClient implements AutoCloseable
{
    static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final AtomicLong STREAMS = new AtomicLong(NativeProtocol.DEFAULT_EGRESS_STREAM_ID);

    final Aeron aeron;
    final ExclusivePublication ingress;
    final Subscription egress;
    final String responseChannel;
    final int responseStreamId;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onMessage);
    private final List<Message> inbox = new ArrayList<>();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(1024);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private long nextCorrelationId = 1;
    private int egressImage = Integer.MIN_VALUE;
    long sessionId;
    int heartbeatIntervalMs;
    int sessionTimeoutMs;

    /** A received message: its bytes (header included) and the egress image it came on. */
    record Message(int templateId, UnsafeBuffer buffer, int length, int imageSessionId)
    {
        <T> T decode(final Decoder<T> decoder)
        {
            return decoder.wrap(buffer, 0, new MessageHeaderDecoder());
        }
    }

    @FunctionalInterface
    interface Decoder<T>
    {
        T wrap(DirectBuffer buffer, int offset, MessageHeaderDecoder header);
    }

    private NativeTestClient(final String aeronDir, final String ingressChannel, final String responseChannel,
        final int responseStreamId)
    {
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
        this.responseChannel = responseChannel;
        this.responseStreamId = responseStreamId;
        egress = aeron.addSubscription(responseChannel, responseStreamId);
        ingress = aeron.addExclusivePublication(ingressChannel, NativeProtocol.DEFAULT_INGRESS_STREAM_ID);
        awaitCondition("the ingress publication connects", ingress::isConnected);
    }

    /** IPC both ways, a response stream of its own. */
    static NativeTestClient ipc(final String aeronDir)
    {
        return new NativeTestClient(aeronDir, "aeron:ipc?term-length=1m", "aeron:ipc",
            (int)STREAMS.incrementAndGet());
    }

    /** UDP both ways: the broker's UDP ingress endpoint, and an egress endpoint of the client's own. */
    static NativeTestClient udp(final String aeronDir, final String ingressEndpoint, final int egressPort)
    {
        return new NativeTestClient(aeronDir, "aeron:udp?endpoint=" + ingressEndpoint + "|term-length=1m",
            "aeron:udp?endpoint=127.0.0.1:" + egressPort, NativeProtocol.DEFAULT_EGRESS_STREAM_ID);
    }

    long nextCorrelationId()
    {
        return nextCorrelationId++;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Session.

    /** Connect and wait for SessionOpened. */
    SessionOpenedDecoder connect()
    {
        final long correlationId = nextCorrelationId();
        egressImage = Integer.MIN_VALUE; // a new session answers on a new publication
        sendConnect(correlationId, NativeProtocol.SCHEMA_VERSION, responseChannel, responseStreamId, "native-test");
        final Message opened = await("SessionOpened", m -> m.templateId() == SessionOpenedDecoder.TEMPLATE_ID &&
            m.decode(new SessionOpenedDecoder()::wrapAndApplyHeader).correlationId() == correlationId);
        egressImage = opened.imageSessionId();
        final SessionOpenedDecoder d = opened.decode(new SessionOpenedDecoder()::wrapAndApplyHeader);
        sessionId = d.sessionId();
        heartbeatIntervalMs = d.heartbeatIntervalMs();
        sessionTimeoutMs = d.sessionTimeoutMs();
        return d;
    }

    void sendConnect(final long correlationId, final int version, final String channel, final int streamId,
        final String clientId)
    {
        final ConnectEncoder e = new ConnectEncoder().wrapAndApplyHeader(out, 0, header)
            .correlationId(correlationId).responseStreamId(streamId).protocolVersion(version)
            .responseChannel(channel).clientId(clientId);
        send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    void keepAlive()
    {
        final KeepAliveEncoder e = new KeepAliveEncoder().wrapAndApplyHeader(out, 0, header).sessionId(sessionId);
        send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    void closeSession()
    {
        final CloseSessionEncoder e = new CloseSessionEncoder().wrapAndApplyHeader(out, 0, header).sessionId(sessionId);
        send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    /** The egress image that answered Connect, or null once the broker has closed its publication. */
    Image egressImage()
    {
        return egress.imageBySessionId(egressImage);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Requests.

    MetadataResponseDecoder metadata(final String topic)
    {
        final long correlationId = nextCorrelationId();
        final MetadataRequestEncoder e = new MetadataRequestEncoder().wrapAndApplyHeader(out, 0, header)
            .sessionId(sessionId).correlationId(correlationId).topic(topic);
        send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return answer(correlationId, MetadataResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new MetadataResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new MetadataResponseDecoder()::wrapAndApplyHeader);
    }

    InitProducerIdResponseDecoder initProducerId()
    {
        final long correlationId = nextCorrelationId();
        final InitProducerIdRequestEncoder e = new InitProducerIdRequestEncoder().wrapAndApplyHeader(out, 0, header)
            .sessionId(sessionId).correlationId(correlationId);
        send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return answer(correlationId, InitProducerIdResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new InitProducerIdResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new InitProducerIdResponseDecoder()::wrapAndApplyHeader);
    }

    /** Send a ProduceRequest; returns its correlation id (acks=0 gets no answer on success). */
    long sendProduce(final Topic topic, final int partition, final int acks, final MemoryRecords records)
    {
        final long correlationId = nextCorrelationId();
        final ByteBuffer bytes = records.buffer().duplicate();
        final byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        final ProduceRequestEncoder e = new ProduceRequestEncoder().wrapAndApplyHeader(out, 0, header)
            .sessionId(sessionId).correlationId(correlationId).topicIdMsb(topic.msb()).topicIdLsb(topic.lsb())
            .partition(partition).timeoutMs(10_000).acks((byte)acks).putRecords(copy, 0, copy.length);
        send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return correlationId;
    }

    ProduceResponseDecoder produce(final Topic topic, final int partition, final int acks, final MemoryRecords records)
    {
        return produceResponse(sendProduce(topic, partition, acks, records));
    }

    ProduceResponseDecoder produceResponse(final long correlationId)
    {
        return answer(correlationId, ProduceResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new ProduceResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new ProduceResponseDecoder()::wrapAndApplyHeader);
    }

    /** Subscribe; returns the subscription id (its correlation id). */
    long sendSubscribe(final Topic topic, final int partition, final long fromOffset, final int maxBytes)
    {
        final long correlationId = nextCorrelationId();
        final SubscribeRequestEncoder e = new SubscribeRequestEncoder().wrapAndApplyHeader(out, 0, header)
            .sessionId(sessionId).correlationId(correlationId).topicIdMsb(topic.msb()).topicIdLsb(topic.lsb())
            .partition(partition).fromOffset(fromOffset).maxBytesPerMessage(maxBytes);
        send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
        return correlationId;
    }

    SubscribeResponseDecoder subscribeResponse(final long subscriptionId)
    {
        return answer(subscriptionId, SubscribeResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new SubscribeResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new SubscribeResponseDecoder()::wrapAndApplyHeader);
    }

    void unsubscribe(final long subscriptionId)
    {
        final UnsubscribeRequestEncoder e = new UnsubscribeRequestEncoder().wrapAndApplyHeader(out, 0, header)
            .sessionId(sessionId).correlationId(nextCorrelationId()).subscriptionId(subscriptionId);
        send(out, 0, MessageHeaderEncoder.ENCODED_LENGTH + e.encodedLength());
    }

    SubscriptionEndedDecoder subscriptionEnded(final long subscriptionId)
    {
        return answer(subscriptionId, SubscriptionEndedDecoder.TEMPLATE_ID,
            m -> m.decode(new SubscriptionEndedDecoder()::wrapAndApplyHeader).subscriptionId())
            .decode(new SubscriptionEndedDecoder()::wrapAndApplyHeader);
    }

    /**
     * Read the subscription's RecordsMessages until {@code count} records have arrived; returns them as
     * {@code offset -> value} in arrival order, skipping records before {@code fromOffset} (a message starts at a
     * batch boundary).
     */
    List<long[]> readRecords(final long subscriptionId, final long fromOffset, final int count, final List<String> values)
    {
        final List<long[]> offsets = new ArrayList<>();
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long expectedNext = -1;
        while (values.size() < count)
        {
            final Message m = take(x -> x.templateId() == RecordsMessageDecoder.TEMPLATE_ID &&
                x.decode(new RecordsMessageDecoder()::wrapAndApplyHeader).subscriptionId() == subscriptionId, deadline,
                "records of subscription " + subscriptionId + " (" + values.size() + " of " + count + ")");
            final RecordsMessageDecoder d = m.decode(new RecordsMessageDecoder()::wrapAndApplyHeader);
            final long hw = d.highWatermark();
            final long next = d.nextOffset();
            final byte[] bytes = new byte[d.recordsLength()];
            d.getRecords(bytes, 0, bytes.length);
            final MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(bytes));
            for (final var batch : records.batches())
            {
                batch.ensureValid(); // the CRC still holds: the broker never re-encodes a batch
                if (expectedNext >= 0)
                {
                    assertEquals(expectedNext, batch.baseOffset(), "batches follow each other without gaps");
                }
                expectedNext = batch.nextOffset();
                for (final var record : batch)
                {
                    if (record.offset() >= fromOffset)
                    {
                        offsets.add(new long[] {record.offset(), hw});
                        final ByteBuffer v = record.value();
                        final byte[] value = new byte[v.remaining()];
                        v.get(value);
                        values.add(new String(value, java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            }
            assertEquals(expectedNext, next, "nextOffset is the offset after the message's last batch");
        }
        return offsets;
    }

    ErrorResponseDecoder errorResponse(final long correlationId)
    {
        return answer(correlationId, ErrorResponseDecoder.TEMPLATE_ID,
            m -> m.decode(new ErrorResponseDecoder()::wrapAndApplyHeader).correlationId())
            .decode(new ErrorResponseDecoder()::wrapAndApplyHeader);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Plumbing.

    /** Offer raw bytes on the ingress, retrying back-pressure until the deadline. */
    void send(final DirectBuffer buffer, final int offset, final int length)
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true)
        {
            final long result = ingress.offer(buffer, offset, length);
            if (result > 0)
            {
                return;
            }
            if (result == ExclusivePublication.CLOSED || result == ExclusivePublication.MAX_POSITION_EXCEEDED ||
                System.nanoTime() - deadline > 0)
            {
                fail("cannot send on the ingress: " + result);
            }
            poll();
            LockSupport.parkNanos(100_000);
        }
    }

    MutableDirectBuffer scratch()
    {
        return out;
    }

    MessageHeaderEncoder headerEncoder()
    {
        return header;
    }

    /** Poll the egress once. */
    int poll()
    {
        return egress.poll(assembler, 64);
    }

    private void onMessage(final DirectBuffer buffer, final int offset, final int length, final Header h)
    {
        if (egressImage != Integer.MIN_VALUE && h.sessionId() != egressImage)
        {
            return; // another client's session on a shared response stream
        }
        final UnsafeBuffer copy = new UnsafeBuffer(new byte[length]);
        copy.putBytes(0, buffer, offset, length);
        final MessageHeaderDecoder d = new MessageHeaderDecoder().wrap(copy, 0);
        inbox.add(new Message(d.templateId(), copy, length, h.sessionId()));
    }

    /** The message answering {@code correlationId}, of {@code templateId}; ErrorResponse fails the test. */
    Message answer(final long correlationId, final int templateId, final java.util.function.ToLongFunction<Message> id)
    {
        final Message m = await("answer " + correlationId + " (template " + templateId + ")", x ->
            (x.templateId() == templateId && id.applyAsLong(x) == correlationId) ||
            (x.templateId() == ErrorResponseDecoder.TEMPLATE_ID &&
            x.decode(new ErrorResponseDecoder()::wrapAndApplyHeader).correlationId() == correlationId &&
            templateId != ErrorResponseDecoder.TEMPLATE_ID));
        if (m.templateId() != templateId)
        {
            final ErrorResponseDecoder e = m.decode(new ErrorResponseDecoder()::wrapAndApplyHeader);
            fail("ErrorResponse " + e.errorCode() + " to " + correlationId + ": " + e.message());
        }
        return m;
    }

    Message await(final String what, final Predicate<Message> wanted)
    {
        return take(wanted, System.nanoTime() + TIMEOUT.toNanos(), what);
    }

    /** Whether a message matching {@code wanted} arrives within {@code within} (it is taken if so). */
    boolean arrives(final Predicate<Message> wanted, final Duration within)
    {
        final long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() - deadline < 0)
        {
            if (takeFromInbox(wanted) != null)
            {
                return true;
            }
            if (poll() == 0)
            {
                LockSupport.parkNanos(100_000);
            }
        }
        return takeFromInbox(wanted) != null;
    }

    private Message take(final Predicate<Message> wanted, final long deadline, final String what)
    {
        while (true)
        {
            final Message m = takeFromInbox(wanted);
            if (m != null)
            {
                return m;
            }
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out waiting for " + what + "; inbox holds templates " +
                    inbox.stream().map(Message::templateId).toList());
            }
            if (poll() == 0)
            {
                LockSupport.parkNanos(100_000);
            }
        }
    }

    private Message takeFromInbox(final Predicate<Message> wanted)
    {
        for (final Iterator<Message> it = inbox.iterator(); it.hasNext(); )
        {
            final Message m = it.next();
            if (wanted.test(m))
            {
                it.remove();
                return m;
            }
        }
        return null;
    }

    /** Messages received and not taken, for assertions that nothing else came. */
    List<Message> inbox()
    {
        poll();
        return inbox;
    }

    static void awaitCondition(final String what, final java.util.function.BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out waiting for: " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Override
    public void close()
    {
        CloseHelper.quietCloseAll(ingress, egress, aeron);
    }

    /** A topic's id as the native protocol carries it. */
    record Topic(String name, long msb, long lsb)
    {
    }
}
