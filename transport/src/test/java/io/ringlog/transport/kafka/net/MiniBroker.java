package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.codec.FetchResponseEncoder;
import io.ringlog.transport.kafka.codec.ProduceRequestDecoder;
import io.ringlog.transport.kafka.protocol.ApiVersionsResponseBuilder;
import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import io.ringlog.transport.kafka.protocol.SupportedApis;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test harness handler, one topic with one partition on one node: enough of a broker for real
 * kafka-clients to negotiate versions, find the leader, produce and fetch. Produce goes through
 * the {@link ProduceRequestDecoder} flyweight into a log file; Fetch answers are written by the
 * {@link FetchResponseEncoder} with the log file's bytes spliced in by transferTo. Produce acks
 * and empty fetches are completed later from another thread, as the real broker will.
 * <p>
 * Not the broker: no storage format checks, no sessions, no groups.
 */
final class MiniBroker implements KafkaRequestHandler, AutoCloseable
{
    static final String TOPIC = "orders";
    static final Uuid TOPIC_ID = new Uuid(0x0123_4567_89ab_cdefL, 0x7edc_ba98_7654_3210L);
    static final int NODE_ID = 1;

    final SupportedApis apis = SupportedApis.builder()
        .addAllVersions(KafkaApis.API_VERSIONS)
        .addAllVersions(KafkaApis.METADATA)
        .addAllVersions(KafkaApis.PRODUCE)
        .addAllVersions(KafkaApis.FETCH)
        .build();
    final AtomicInteger producesWithoutAck = new AtomicInteger();
    final AtomicInteger fetchesWithRecords = new AtomicInteger();
    final List<Short> produceVersions = new CopyOnWriteArrayList<>();
    final List<Short> fetchVersions = new CopyOnWriteArrayList<>();
    private final ProduceRequestDecoder produceDecoder = new ProduceRequestDecoder();
    private final FetchResponseEncoder fetchEncoder = new FetchResponseEncoder();
    private final ScheduledExecutorService completer = Executors.newSingleThreadScheduledExecutor();
    private final FileChannel log;
    private final List<long[]> batches = new ArrayList<>(); // {baseOffset, lastOffset, position, size}
    private volatile int port;
    private long nextOffset;

    MiniBroker(final Path logFile) throws IOException
    {
        log = FileChannel.open(logFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    }

    void port(final int port)
    {
        this.port = port;
    }

    public void onRequest(final KafkaRequest request)
    {
        switch (request.apiKey())
        {
            case KafkaApis.API_VERSIONS:
                request.respond(KafkaResponse.ofFrame(
                    new ApiVersionsResponseBuilder(apis).buildFrame(request.apiVersion(), request.correlationId())));
                break;
            case KafkaApis.METADATA:
                respond(request, metadata((MetadataRequestData)KafkaMessages.parseRequest(
                    request.apiKey(), request.apiVersion(), request.bodyByteBuffer())));
                break;
            case KafkaApis.PRODUCE:
                produce(request);
                break;
            case KafkaApis.FETCH:
                fetch(request);
                break;
            default:
                request.closeConnection();
        }
    }

    private MetadataResponseData metadata(final MetadataRequestData request)
    {
        final MetadataResponseData response = new MetadataResponseData()
            .setClusterId("ringlog-transport-test")
            .setControllerId(NODE_ID);
        response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
            .setNodeId(NODE_ID).setHost("127.0.0.1").setPort(port));
        final List<String> names = new ArrayList<>();
        if (null == request.topics())
        {
            names.add(TOPIC);
        }
        else
        {
            for (final MetadataRequestData.MetadataRequestTopic topic : request.topics())
            {
                names.add(null != topic.name() ? topic.name() : TOPIC_ID.equals(topic.topicId()) ? TOPIC : "?");
            }
        }
        for (final String name : names)
        {
            final MetadataResponseData.MetadataResponseTopic topic = new MetadataResponseData.MetadataResponseTopic()
                .setName(name);
            if (TOPIC.equals(name))
            {
                topic.setTopicId(TOPIC_ID).setPartitions(List.of(new MetadataResponseData.MetadataResponsePartition()
                    .setPartitionIndex(0).setLeaderId(NODE_ID).setLeaderEpoch(-1)
                    .setReplicaNodes(List.of(NODE_ID)).setIsrNodes(List.of(NODE_ID))));
            }
            else
            {
                topic.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
            }
            response.topics().add(topic);
        }
        return response;
    }

    private void produce(final KafkaRequest request)
    {
        produceVersions.add(request.apiVersion());
        if (produceDecoder.wrap(request.buffer(), request.bodyOffset(), request.bodyLength(), request.apiVersion()) !=
            ProduceRequestDecoder.OK)
        {
            request.closeConnection();
            return;
        }
        final ProduceResponseData response = new ProduceResponseData();
        while (produceDecoder.nextTopic())
        {
            final boolean known = produceDecoder.hasTopicId() ?
                TOPIC_ID.equals(new Uuid(produceDecoder.topicIdMostSignificantBits(),
                produceDecoder.topicIdLeastSignificantBits())) : TOPIC.equals(produceDecoder.topicName());
            final ProduceResponseData.TopicProduceResponse topic = new ProduceResponseData.TopicProduceResponse();
            if (produceDecoder.hasTopicId())
            {
                topic.setTopicId(TOPIC_ID);
            }
            else
            {
                topic.setName(produceDecoder.topicName());
            }
            while (produceDecoder.nextPartition())
            {
                final ProduceResponseData.PartitionProduceResponse partition =
                    new ProduceResponseData.PartitionProduceResponse().setIndex(produceDecoder.partitionIndex());
                if (known && produceDecoder.partitionIndex() == 0 && produceDecoder.recordsLength() > 0)
                {
                    partition.setBaseOffset(append(request, produceDecoder.recordsOffset(),
                        produceDecoder.recordsLength()));
                }
                else
                {
                    partition.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                }
                topic.partitionResponses().add(partition);
            }
            response.responses().add(topic);
        }

        if (produceDecoder.acks() == 0)
        {
            producesWithoutAck.incrementAndGet();
            request.noResponse();
        }
        else
        {
            // As if waiting for the sequencer: the ack comes from another thread.
            completer.execute(() -> respond(request, response));
        }
    }

    /**
     * Append the batches, giving them offsets: patch baseOffset, as the real journal does.
     */
    private long append(final KafkaRequest request, final int offset, final int length)
    {
        final byte[] records = new byte[length];
        request.buffer().getBytes(offset, records);
        final ByteBuffer bytes = ByteBuffer.wrap(records);
        final long firstOffset = nextOffset;
        int position = 0;
        while (position + 61 <= length)
        {
            final int batchSize = 12 + bytes.getInt(position + 8);
            final int lastOffsetDelta = bytes.getInt(position + 23);
            bytes.putLong(position, nextOffset);
            try
            {
                final long filePosition = log.size();
                log.write(ByteBuffer.wrap(records, position, batchSize), filePosition);
                batches.add(new long[]{ nextOffset, nextOffset + lastOffsetDelta, filePosition, batchSize });
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            nextOffset += lastOffsetDelta + 1;
            position += batchSize;
        }
        return firstOffset;
    }

    private void fetch(final KafkaRequest request)
    {
        fetchVersions.add(request.apiVersion());
        final FetchRequestData data = (FetchRequestData)KafkaMessages.parseRequest(
            request.apiKey(), request.apiVersion(), request.bodyByteBuffer());
        final short version = request.apiVersion();
        final KafkaResponse response = new KafkaResponse(256);
        fetchEncoder.wrap(response.buffer(), 0, version, request.correlationId(), 0, (short)0, 0,
            data.topics().size());
        boolean anyRecords = false;
        for (final FetchRequestData.FetchTopic topic : data.topics())
        {
            if (version >= FetchResponseEncoder.FIRST_TOPIC_ID_VERSION)
            {
                fetchEncoder.topic(topic.topicId().getMostSignificantBits(), topic.topicId().getLeastSignificantBits());
            }
            else
            {
                fetchEncoder.topic(topic.topic());
            }
            fetchEncoder.partitionCount(topic.partitions().size());
            for (final FetchRequestData.FetchPartition partition : topic.partitions())
            {
                final long[] from = firstBatchAtOrAfter(partition.fetchOffset());
                // At least one whole batch, then whole batches up to the partition's byte limit.
                final int length = null == from ? 0 : batchBoundary(from[2], (int)Math.min(
                    Math.max(from[3], partition.partitionMaxBytes()), endOfLog() - from[2]));
                final int at = fetchEncoder.partition(
                    partition.partition(), (short)0, nextOffset, nextOffset, 0, -1, length);
                if (length > 0)
                {
                    response.addFileRegion(at, log, from[2], length);
                    anyRecords = true;
                }
            }
        }
        response.length(fetchEncoder.finish());
        if (anyRecords)
        {
            fetchesWithRecords.incrementAndGet();
            request.respond(response);
        }
        else
        {
            // Nothing to read: a long poll, answered empty a little later from another thread.
            completer.schedule(() -> respond(request, response), Math.min(50, data.maxWaitMs()), TimeUnit.MILLISECONDS);
        }
    }

    private long[] firstBatchAtOrAfter(final long offset)
    {
        for (final long[] batch : batches)
        {
            if (batch[1] >= offset)
            {
                return batch;
            }
        }
        return null;
    }

    private long endOfLog()
    {
        final long[] last = batches.get(batches.size() - 1);
        return last[2] + last[3];
    }

    /**
     * @return the largest length from {@code position}, at most {@code length}, ending on a batch boundary.
     */
    private int batchBoundary(final long position, final int length)
    {
        int size = 0;
        for (final long[] batch : batches)
        {
            if (batch[2] >= position && batch[2] + batch[3] <= position + length)
            {
                size = (int)(batch[2] + batch[3] - position);
            }
        }
        return size;
    }

    private static void respond(final KafkaRequest request, final ApiMessage message)
    {
        respond(request, KafkaResponse.ofFrame(
            KafkaMessages.serializeResponse(message, request.apiVersion(), request.correlationId())));
    }

    private static void respond(final KafkaRequest request, final KafkaResponse response)
    {
        if (request.respond(response) == KafkaRequest.BACK_PRESSURED)
        {
            throw new IllegalStateException("completion queue full in a test with a handful of connections");
        }
    }

    public void close() throws Exception
    {
        completer.shutdownNow();
        completer.awaitTermination(10, TimeUnit.SECONDS);
        log.close();
    }
}
