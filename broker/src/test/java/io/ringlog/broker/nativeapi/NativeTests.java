package io.ringlog.broker.nativeapi;

import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.MetadataResponseDecoder;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Small helpers shared by the native tests. */
final class NativeTests
{
    private NativeTests()
    {
    }

    /** Look a topic up (auto-creating it) and return its id. */
    static NativeTestClient.Topic topic(final NativeTestClient client, final String name)
    {
        final MetadataResponseDecoder m = client.metadata(name);
        assertEquals(NativeErrors.NONE, m.errorCode(), "metadata of " + name);
        return new NativeTestClient.Topic(name, m.topicIdMsb(), m.topicIdLsb());
    }

    /** One uncompressed batch of these values, as kafka-clients builds it. */
    static MemoryRecords batch(final String... values)
    {
        final SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++)
        {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withRecords(Compression.NONE, records);
    }

    /** An idempotent batch. */
    static MemoryRecords idempotent(final long producerId, final short epoch, final int baseSequence,
        final String... values)
    {
        final SimpleRecord[] records = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++)
        {
            records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
        }
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, epoch, baseSequence, records);
    }
}
