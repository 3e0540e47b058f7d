package io.ringlog.broker;

import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The Kafka protocol by hand over a blocking socket, for what kafka-clients will not send: chosen producer ids and
 * sequences, corrupt batches, unsupported versions, malformed frames. Requests and responses are kafka-clients'
 * generated classes, framed by transport's {@link KafkaMessages}; every read is bounded by a socket timeout.
 * Produce and Fetch use v12, the last versions that name topics.
 * <p>
 * One thread at a time.
 */
final class RawKafkaClient implements AutoCloseable
{
    static final short PRODUCE_VERSION = 12;
    static final short FETCH_VERSION = 12;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    RawKafkaClient(final int port) throws IOException
    {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Send {@code request} at {@code version} and read its answer, checking the correlation id. */
    @SuppressWarnings("unchecked")
    <T extends ApiMessage> T call(final ApiMessage request, final short version) throws IOException
    {
        return (T)KafkaMessages.parseResponse(request.apiKey(), version, callForBody(request, version));
    }

    /** Read the next frame as the answer to {@code apiKey} at {@code version} with correlation id {@code id}. */
    ApiMessage readResponse(final short apiKey, final short version, final int id) throws IOException
    {
        return KafkaMessages.parseResponse(apiKey, version, readResponseBody(apiKey, version, id));
    }

    /** Send {@code request} at {@code version}; its answer's body, after the checked response header. */
    ByteBuffer callForBody(final ApiMessage request, final short version) throws IOException
    {
        final int id = ++correlationId;
        send(bytes(KafkaMessages.serializeRequest(request, version, id, "raw-test")));
        return readResponseBody(request.apiKey(), version, id);
    }

    private ByteBuffer readResponseBody(final short apiKey, final short version, final int id) throws IOException
    {
        final ByteBuffer frame = ByteBuffer.wrap(readFrame(in));
        final ResponseHeaderData header = new ResponseHeaderData(new ByteBufferAccessor(frame),
            KafkaApis.responseHeaderVersion(apiKey, version));
        assertEquals(id, header.correlationId(), "correlation id of the " + KafkaApis.name(apiKey) + " answer");
        return frame.slice();
    }

    /** Produce {@code records} to one partition (v12, by topic name) and return that partition's answer. */
    ProduceResponseData.PartitionProduceResponse produce(
        final String topic, final int partition, final int acks, final MemoryRecords records) throws IOException
    {
        final ProduceResponseData response = call(produceRequest(topic, partition, acks, records), PRODUCE_VERSION);
        return response.responses().iterator().next().partitionResponses().get(0);
    }

    /** A Produce request for one partition of a topic named by its name. */
    static ProduceRequestData produceRequest(
        final String topic, final int partition, final int acks, final MemoryRecords records)
    {
        final ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
            new ProduceRequestData.PartitionProduceData().setIndex(partition).setRecords(records))));
        return new ProduceRequestData().setAcks((short)acks).setTimeoutMs(10_000).setTopicData(topics);
    }

    /** A new producer id and epoch from the broker, as an idempotent producer gets them. */
    InitProducerIdResponseData initProducerId() throws IOException
    {
        final InitProducerIdResponseData response = call(new InitProducerIdRequestData()
            .setTransactionalId(null).setTransactionTimeoutMs(60_000).setProducerId(-1).setProducerEpoch((short)-1),
            (short)4);
        assertEquals(Errors.NONE.code(), response.errorCode(), "InitProducerId");
        return response;
    }

    /**
     * Every record of a partition from offset 0 to the high watermark, read with Fetch (no waiting), in order.
     *
     * @return each record's offset and value.
     */
    List<OffsetValue> readAll(final String topic, final int partition) throws IOException
    {
        final List<OffsetValue> records = new ArrayList<>();
        long next = 0;
        while (true)
        {
            final FetchResponseData.PartitionData data = fetch(topic, partition, next);
            assertEquals(Errors.NONE.code(), data.errorCode(), "Fetch " + topic + "-" + partition + " at " + next);
            final MemoryRecords batches = (MemoryRecords)data.records();
            if (batches == null || batches.sizeInBytes() == 0)
            {
                assertEquals(next, data.highWatermark(), "read up to the high watermark");
                return records;
            }
            for (final RecordBatch batch : batches.batches())
            {
                for (final Record record : batch)
                {
                    if (record.offset() >= next)
                    {
                        records.add(new OffsetValue(record.offset(), string(record.value())));
                    }
                }
                next = Math.max(next, batch.nextOffset());
            }
        }
    }

    FetchResponseData.PartitionData fetch(final String topic, final int partition, final long offset)
        throws IOException
    {
        final FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
            .setMaxBytes(8 * 1024 * 1024).setIsolationLevel((byte)0).setSessionId(0).setSessionEpoch(-1)
            .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(partition).setFetchOffset(offset)
                    .setPartitionMaxBytes(4 * 1024 * 1024).setCurrentLeaderEpoch(-1).setLogStartOffset(-1)))));
        final FetchResponseData response = call(request, FETCH_VERSION);
        assertEquals(Errors.NONE.code(), response.errorCode(), "Fetch");
        return response.responses().get(0).partitions().get(0);
    }

    /** The broker answers ApiVersions and Metadata on this connection, and the metadata lists {@code topic}. */
    void assertServes(final String topic) throws IOException
    {
        final ApiVersionsResponseData versions = call(new ApiVersionsRequestData()
            .setClientSoftwareName("raw-test").setClientSoftwareVersion("1"), (short)3);
        assertEquals(Errors.NONE.code(), versions.errorCode(), "ApiVersions");
        final MetadataResponseData metadata = call(new MetadataRequestData().setTopics(null)
            .setAllowAutoTopicCreation(false), (short)12);
        assertEquals(1, metadata.brokers().size(), "Metadata brokers");
        assertNotNull(metadata.topics().find(topic), "Metadata lists " + topic + ": " + metadata.topics());
    }

    /** Records with these values, in one uncompressed batch from a producer that is not idempotent. */
    static MemoryRecords batch(final String... values)
    {
        return MemoryRecords.withRecords(Compression.NONE, simple(values));
    }

    /** Records with these values, in one uncompressed batch of an idempotent producer. */
    static MemoryRecords idempotentBatch(final long producerId, final short epoch, final int baseSequence,
        final String... values)
    {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, simple(values));
    }

    private static SimpleRecord[] simple(final String... values)
    {
        final SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++)
        {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** The bytes from position to limit, which stay unconsumed. */
    static byte[] bytes(final ByteBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** Write raw bytes: a frame, part of one, or anything else. */
    void send(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    /** Read one length-prefixed frame and return it without the prefix. */
    static byte[] readFrame(final DataInputStream in) throws IOException
    {
        final int length = in.readInt();
        if (length < 0)
        {
            throw new IOException("negative frame length " + length);
        }
        final byte[] frame = new byte[length];
        in.readFully(frame);
        return frame;
    }

    /** True once the broker has closed this connection (end of stream or reset) within the socket timeout. */
    boolean isClosedByPeer()
    {
        try
        {
            return in.read() == -1;
        }
        catch (final SocketTimeoutException ex)
        {
            return false; // still open, and silent
        }
        catch (final IOException ex)
        {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }

    private static String string(final ByteBuffer value)
    {
        if (value == null)
        {
            return null;
        }
        return new String(bytes(value), StandardCharsets.UTF_8);
    }

    /** One record as read back. */
    record OffsetValue(long offset, String value)
    {
    }
}
