package io.ringlog.transport.kafka.net;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A response made of buffer parts and file regions far larger than the socket buffers: sent
 * with transferTo over many partial writes, byte for byte, and the connection reads on afterwards.
 */
@Timeout(60)
class FileRegionSendTest
{
    private static final int FILE_BYTES = 6 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void largeFileRegionsGoOutWithPartialWritesAndArriveIntact() throws Exception
    {
        final byte[] content = new byte[FILE_BYTES];
        new Random(7).nextBytes(content);
        final Path file = dir.resolve("00000000000000000000.log");
        Files.write(file, content);

        final AtomicReference<Boolean> releasedAsSent = new AtomicReference<>();
        final CountDownLatch released = new CountDownLatch(2);
        final AtomicBoolean wrongThread = new AtomicBoolean();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final KafkaRequestHandler handler = request ->
            {
                final KafkaResponse response = new KafkaResponse(64);
                final Thread selectorThread = Thread.currentThread();
                response.releaseHandler((r, sent) ->
                {
                    wrongThread.compareAndSet(false, Thread.currentThread() != selectorThread);
                    releasedAsSent.set(sent);
                    released.countDown();
                });
                // [prefix][correlation id][marker] region(100, 4 MiB) [3 bytes] region(0, 2 MiB) region(0, 0) [2 bytes]
                response.buffer().putInt(4, request.correlationId(), ByteOrder.BIG_ENDIAN);
                response.buffer().putInt(8, 0xCAFE_BABE, ByteOrder.BIG_ENDIAN);
                response.buffer().putBytes(12, new byte[]{ 1, 2, 3, 4, 5 });
                response.length(17)
                    .addFileRegion(12, channel, 100, 4 * 1024 * 1024)
                    .addFileRegion(15, channel, 0, 2 * 1024 * 1024)
                    .addFileRegion(15, channel, 0, 0);
                request.respond(response);
            };
            final KafkaListenerContext ctx = ListenerHarness.context(handler)
                .socketSendBufferBytes(16 * 1024);
            try (ListenerHarness harness = ListenerHarness.start(ctx);
                RawClient client = new RawClient(harness.port(), 16 * 1024))
            {
                for (int round = 0; round < 2; round++)
                {
                    client.send(OrderingTest.pipeline(40 + round, 1));
                    final ByteBuffer frame = client.readFrame();

                    final ByteArrayOutputStream expected = new ByteArrayOutputStream();
                    expected.write(ByteBuffer.allocate(8).putInt(40 + round).putInt(0xCAFE_BABE).array());
                    expected.write(content, 100, 4 * 1024 * 1024);
                    expected.write(new byte[]{ 1, 2, 3 });
                    expected.write(content, 0, 2 * 1024 * 1024);
                    expected.write(new byte[]{ 4, 5 });
                    final byte[] actual = Arrays.copyOf(frame.array(), frame.remaining());
                    assertEquals(expected.size(), actual.length);
                    assertArrayEquals(expected.toByteArray(), actual);
                }
                assertTrue(released.await(10, TimeUnit.SECONDS));
                assertEquals(Boolean.TRUE, releasedAsSent.get());
                assertEquals(Boolean.FALSE, wrongThread.get());
                assertTrue(harness.counters().sendStalls() >= 2, "a 6 MiB response cannot fit a 16 KiB socket buffer");
                assertTrue(harness.counters().bytesOut() >= 2L * (6 * 1024 * 1024 + 17));
            }
        }
    }

    @Test
    void truncatedFileClosesTheConnectionInsteadOfHanging() throws Exception
    {
        final Path file = dir.resolve("short.log");
        Files.write(file, new byte[1024]);
        final CountDownLatch released = new CountDownLatch(1);
        final AtomicReference<Boolean> sent = new AtomicReference<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            final KafkaRequestHandler handler = request ->
            {
                final KafkaResponse response = new KafkaResponse(16).length(8);
                response.buffer().putInt(4, request.correlationId(), ByteOrder.BIG_ENDIAN);
                // The journal would never do this: a region past the end of its file.
                response.addFileRegion(8, channel, 512, 4096);
                response.releaseHandler((r, s) ->
                {
                    sent.set(s);
                    released.countDown();
                });
                request.respond(response);
            };
            try (ListenerHarness harness = ListenerHarness.start(ListenerHarness.context(handler));
                RawClient client = new RawClient(harness.port()))
            {
                client.send(OrderingTest.pipeline(1, 1));
                Await.until("connection closed", client::isClosedByPeer);
                assertTrue(released.await(10, TimeUnit.SECONDS));
                assertEquals(Boolean.FALSE, sent.get());
            }
        }
    }
}
