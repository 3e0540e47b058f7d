package io.ringlog.broker.nativeclient;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.client.producer.SendResult;
import io.ringlog.client.reader.SameHostReader;
import io.ringlog.client.record.RecordHandler;
import io.ringlog.journal.segment.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same-host reader on a real broker's journal and counters, opened from a connected client: it follows the
 * native producer across many segment rolls, and, lagging, across segments retention deleted under it.
 */
@Timeout(180)
class SameHostReaderBrokerTest
{
    private static final String[] SMALL_SEGMENTS = {
        "log.segment.bytes=65536", "log.index.interval.bytes=1024", "log.retention.check.interval.ms=50",
        "log.segment.delete.delay.ms=0"};

    @TempDir
    Path root;

    private static String value(final long offset)
    {
        return "value-" + offset + "-" + "y".repeat((int)(offset % 150));
    }

    private static void send(final RinglogClient client, final RinglogProducer producer, final ProducerTopic topic,
        final long index)
    {
        final byte[] v = value(index).getBytes(StandardCharsets.UTF_8);
        Polling.until(client, "send " + index, 20_000, () ->
        {
            final int result = producer.send(topic, 0, null, v, index);
            assertTrue(result == SendResult.OK || result == SendResult.BACK_PRESSURED, "send returned " + result);
            return result == SendResult.OK;
        });
    }

    @Test
    void followsTheBrokerAcrossRolls() throws Exception
    {
        try (ClientTestBroker broker = new ClientTestBroker(root, false, SMALL_SEGMENTS))
        {
            broker.createTopic("tail", 1, Map.of());
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().lingerMs(1)))
            {
                final RinglogProducer producer = new RinglogProducer(client, null);
                final ProducerTopic topic = producer.topic("tail");
                final List<Long> offsets = new ArrayList<>();
                final long[] mismatches = {0};
                final RecordHandler check = r ->
                {
                    offsets.add(r.offset());
                    if (!value(r.offset()).equals(r.valueAsString()) || !"tail".equals(r.topic()))
                    {
                        mismatches[0]++;
                    }
                };
                try (SameHostReader reader = SameHostReader.open(client, "tail", 0, SameHostReader.EARLIEST))
                {
                    final int total = 20_000;
                    for (long i = 0; i < total; i++)
                    {
                        send(client, producer, topic, i);
                        if (i % 100 == 0)
                        {
                            final int n = reader.poll(check, 1000);
                            assertTrue(n >= 0, "reader returned " + n);
                        }
                    }
                    producer.flush();
                    Polling.until(client, "the reader reached the end", 30_000, () ->
                    {
                        assertTrue(reader.poll(check, 1000) >= 0);
                        return reader.position() == total;
                    });
                    assertEquals(0, mismatches[0]);
                    assertEquals(total, offsets.size());
                    for (int i = 0; i < total; i++)
                    {
                        assertEquals(i, offsets.get(i));
                    }
                    assertTrue(reader.segmentsOpened() > 20, "rolled " + reader.segmentsOpened() + " times");
                    assertEquals(0, reader.skippedOffsets());
                }
            }
        }
    }

    @Test
    void aLaggingReaderSkipsWhatRetentionDeletedAndSaysSo() throws Exception
    {
        final String[] settings = Stream.concat(Stream.of(SMALL_SEGMENTS), Stream.of("log.retention.bytes=262144"))
            .toArray(String[]::new);
        try (ClientTestBroker broker = new ClientTestBroker(root, false, settings))
        {
            broker.createTopic("retained", 1, Map.of());
            try (RinglogClient client = RinglogClient.connect(broker.ipcClient().lingerMs(1)))
            {
                final RinglogProducer producer = new RinglogProducer(client, null);
                final ProducerTopic topic = producer.topic("retained");
                for (long i = 0; i < 500; i++)
                {
                    send(client, producer, topic, i);
                }
                producer.flush();
                final List<long[]> gaps = new ArrayList<>();
                final List<Long> offsets = new ArrayList<>();
                try (SameHostReader reader = SameHostReader.open(client, "retained", 0, 0)
                    .gapHandler((from, to) -> gaps.add(new long[] {from, to})))
                {
                    Polling.until(client, "100 records", 10_000, () ->
                    {
                        reader.poll(r -> offsets.add(r.offset()), 100 - offsets.size());
                        return offsets.size() == 100;
                    });
                    // The reader stalls in the first segment; the broker writes on and retention deletes behind.
                    final int total = 30_000;
                    for (long i = 500; i < total; i++)
                    {
                        send(client, producer, topic, i);
                    }
                    producer.flush();
                    final Path dir = Path.of(client.fetchMetadata("retained").partition(0).logDir());
                    Polling.until(client, "retention deleted the first segments", 30_000,
                        () -> !Files.exists(SegmentFiles.logFile(dir, 0)) &&
                            !Files.exists(SegmentFiles.logFile(dir, earliest(dir) == 0 ? 1 : earliest(dir) - 1)));
                    // ...and has finished: the earliest segment stays put over six retention checks, so the reader
                    // meets one gap, not a second one cut while it catches up (seen on a loaded machine).
                    final long[] stable = {earliest(dir), System.nanoTime()};
                    Polling.until(client, "retention done", 30_000, () ->
                    {
                        final long now = earliest(dir);
                        if (now != stable[0])
                        {
                            stable[0] = now;
                            stable[1] = System.nanoTime();
                        }
                        return System.nanoTime() - stable[1] > 300_000_000L;
                    });
                    final long[] mismatches = {0};
                    Polling.until(client, "the reader reached the end", 30_000, () ->
                    {
                        assertTrue(reader.poll(r ->
                        {
                            offsets.add(r.offset());
                            if (!value(r.offset()).equals(r.valueAsString()))
                            {
                                mismatches[0]++;
                            }
                        }, 1000) >= 0);
                        return reader.position() == total;
                    });
                    assertEquals(0, mismatches[0]);
                    assertEquals(1, gaps.size(), "one gap");
                    final long gapFrom = gaps.get(0)[0];
                    final long gapTo = gaps.get(0)[1];
                    assertTrue(gapFrom >= 100 && gapTo > gapFrom, gapFrom + ".." + gapTo);
                    assertEquals(gapTo - gapFrom, reader.skippedOffsets());
                    assertEquals(total - (gapTo - gapFrom), offsets.size());
                    long expected = 0;
                    for (final long o : offsets)
                    {
                        if (expected == gapFrom)
                        {
                            expected = gapTo;
                        }
                        assertEquals(expected++, o);
                    }
                }
            }
        }
    }

    private static long earliest(final Path dir)
    {
        try (Stream<Path> files = Files.list(dir))
        {
            return files.map(p -> SegmentFiles.parseLogFileName(p.getFileName().toString()))
                .filter(b -> b >= 0).min(Long::compare).orElse(0L);
        }
        catch (final java.io.IOException ex)
        {
            return 0;
        }
    }
}
