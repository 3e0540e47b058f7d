package io.ringlog.transport.kafka.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One accepted socket: reads length-prefixed request frames one at a time, holds the request in
 * flight, and writes its response, buffer parts with {@code write} and file regions with
 * {@code transferTo}, continuing on OP_WRITE after partial writes.
 * <pre>
 *   READ_SIZE -> READ_BODY -> IN_FLIGHT -> SENDING -> READ_SIZE ...
 *        \-> WAIT_MEMORY -/       \-> READ_SIZE (no response)        any -> CLOSED
 * </pre>
 * Reading stops (the connection is muted) from the moment a frame is complete until its response
 * has been written in full, which is how Kafka keeps responses in request order; and while the
 * memory pool cannot hold the next frame's body.
 * <p>
 * Reads are exact (4 bytes of size, then exactly the body) so nothing of a following request is
 * ever read early: muting needs no buffer of its own, at the cost of one more read call a request.
 * <p>
 * <b>Thread:</b> owned by the listener's selector thread; no method is called from elsewhere.
 */
final class KafkaConnection
{
    static final int READ_SIZE = 0;
    static final int WAIT_MEMORY = 1;
    static final int READ_BODY = 2;
    static final int IN_FLIGHT = 3;
    static final int SENDING = 4;
    static final int CLOSED = 5;

    /**
     * Most frames read from one connection per readable event, so a client pipelining requests
     * that are answered synchronously cannot starve the other connections.
     */
    private static final int MAX_FRAMES_PER_READ = 8;

    private final KafkaListener listener;
    private final KafkaListenerCounters counters;
    private final long id;
    private final SocketChannel channel;
    private final String remoteAddress;
    private final ByteBuffer sizeBuffer = ByteBuffer.allocateDirect(4);
    private final KafkaRequest request;
    private SelectionKey key;
    private int state = READ_SIZE;
    private int interestOps = SelectionKey.OP_READ;
    private int frameSize;
    private ByteBuffer body;
    private boolean requestOutstanding;
    private KafkaResponse sending;
    private int sendPart;
    private int sendPosition;
    private long regionSent;
    private long lastActivityNanos;
    int index;

    KafkaConnection(
        final KafkaListener listener,
        final KafkaListenerCounters counters,
        final long id,
        final SocketChannel channel,
        final String remoteAddress,
        final long nowNanos)
    {
        this.listener = listener;
        this.counters = counters;
        this.id = id;
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.request = new KafkaRequest(listener, this);
        this.lastActivityNanos = nowNanos;
    }

    void key(final SelectionKey key)
    {
        this.key = key;
    }

    long id()
    {
        return id;
    }

    String remoteAddress()
    {
        return remoteAddress;
    }

    KafkaRequest request()
    {
        return request;
    }

    int state()
    {
        return state;
    }

    boolean isClosed()
    {
        return state == CLOSED;
    }

    ByteBuffer body()
    {
        return body;
    }

    int frameSize()
    {
        return frameSize;
    }

    /**
     * @return true if nothing has moved on this connection since {@code deadlineNanos} and
     * nothing is owed to it: no request in the handler's hands, no body waiting for memory.
     */
    boolean isIdleSince(final long deadlineNanos)
    {
        return !requestOutstanding && state != WAIT_MEMORY && lastActivityNanos - deadlineNanos < 0;
    }

    /**
     * Read as many whole frames as are there, up to a cap, handing each to the listener.
     *
     * @return frames read.
     */
    int onReadable(final long nowNanos) throws IOException
    {
        int frames = 0;
        while (frames < MAX_FRAMES_PER_READ)
        {
            if (state == READ_SIZE)
            {
                if (!readFully(sizeBuffer, nowNanos))
                {
                    break;
                }
                final int size = sizeBuffer.getInt(0);
                sizeBuffer.clear();
                if (!listener.acceptFrameSize(this, size))
                {
                    return frames;
                }
                frameSize = size;
                body = listener.acquireBody(size);
                if (null == body)
                {
                    state = WAIT_MEMORY;
                    counters.memoryWaits.incrementRelease();
                    listener.awaitMemory(this);
                    break;
                }
                state = READ_BODY;
            }

            if (state != READ_BODY || !readFully(body, nowNanos))
            {
                break;
            }
            state = IN_FLIGHT;
            frames++;
            listener.onFrame(this, nowNanos);
        }
        updateInterest();
        return frames;
    }

    private boolean readFully(final ByteBuffer buffer, final long nowNanos) throws IOException
    {
        final int read = channel.read(buffer);
        if (read < 0)
        {
            close();
            return false;
        }
        if (read > 0)
        {
            counters.bytesIn.getAndAddRelease(read);
            lastActivityNanos = nowNanos;
        }
        return !buffer.hasRemaining();
    }

    /**
     * The pool had room again for the body this connection waits for.
     */
    void resumeWithBody(final ByteBuffer body)
    {
        this.body = body;
        state = READ_BODY;
        updateInterest();
    }

    /**
     * The handler is about to own the request: its body goes back to the pool only on completion.
     */
    void markRequestOutstanding()
    {
        requestOutstanding = true;
    }

    /**
     * The request was completed (by the handler or by the listener). Give back its body, then
     * send its response, read on, or close.
     */
    void onCompletion(final long nowNanos) throws IOException
    {
        final int kind = request.completionKind;
        final KafkaResponse response = request.response;
        final ByteBuffer completedBody = body;
        request.reset();
        body = null;
        requestOutstanding = false;
        listener.releaseBody(completedBody);

        if (state == CLOSED)
        {
            if (null != response)
            {
                listener.releaseResponse(response, false);
            }
            return;
        }

        if (kind == KafkaRequest.RESPOND)
        {
            startSending(response, nowNanos);
        }
        else if (kind == KafkaRequest.NO_RESPONSE)
        {
            state = READ_SIZE;
        }
        else
        {
            close();
        }
        updateInterest();
    }

    private void startSending(final KafkaResponse response, final long nowNanos) throws IOException
    {
        state = SENDING;
        sending = response;
        sendPart = 0;
        sendPosition = response.frameStart();
        regionSent = 0;
        if (!response.writeLengthPrefix())
        {
            listener.onBadResponse(this, "response larger than a Kafka frame can be, or with a file region past its end: " +
                response.frameBytes() + " bytes");
            return;
        }
        if (!trySend(nowNanos))
        {
            counters.sendStalls.incrementRelease();
        }
    }

    void onWritable(final long nowNanos) throws IOException
    {
        if (state == SENDING)
        {
            trySend(nowNanos);
        }
        updateInterest();
    }

    /**
     * Write as much of the response as the socket takes. Parts alternate: buffer part i holds
     * the bytes before region i (the last buffer part the bytes after the last region).
     *
     * @return true if the response went out in full.
     */
    private boolean trySend(final long nowNanos) throws IOException
    {
        final KafkaResponse response = sending;
        final ByteBuffer frame = response.frameBuffer();
        final int frameStart = response.frameStart();
        final int frameEnd = frameStart + response.length();
        final int regions = response.regionCount();
        while (true)
        {
            final int part = sendPart >> 1;
            if ((sendPart & 1) == 0)
            {
                final int partEnd = part < regions ? frameStart + response.insertAt(part) : frameEnd;
                if (sendPosition < partEnd)
                {
                    frame.limit(partEnd).position(sendPosition);
                    final int written = channel.write(frame);
                    onBytesOut(written, nowNanos);
                    sendPosition += written;
                    if (sendPosition < partEnd)
                    {
                        return false;
                    }
                }
                if (part == regions)
                {
                    finishSending();
                    return true;
                }
            }
            else
            {
                final FileChannel file = response.channel(part);
                final long position = response.position(part);
                final int length = response.regionLength(part);
                while (regionSent < length)
                {
                    final long sent = file.transferTo(position + regionSent, length - regionSent, channel);
                    if (sent <= 0)
                    {
                        // 0 means the socket buffer is full, unless the file no longer holds the
                        // region, which would leave the connection waiting for ever.
                        if (file.size() < position + length)
                        {
                            throw new IOException("file region truncated: " + position + "+" + length +
                                " past end " + file.size());
                        }
                        return false;
                    }
                    onBytesOut(sent, nowNanos);
                    regionSent += sent;
                }
                regionSent = 0;
            }
            sendPart++;
        }
    }

    private void onBytesOut(final long bytes, final long nowNanos)
    {
        if (bytes > 0)
        {
            counters.bytesOut.getAndAddRelease(bytes);
            lastActivityNanos = nowNanos;
        }
    }

    private void finishSending()
    {
        final KafkaResponse response = sending;
        sending = null;
        state = READ_SIZE;
        counters.responses.incrementRelease();
        listener.releaseResponse(response, true);
    }

    /**
     * Interest follows state: read while reading, write while a response waits for room, nothing
     * while muted. Changed only when different, since each change is a system call at the next select.
     */
    private void updateInterest()
    {
        if (state == CLOSED)
        {
            return;
        }
        final int wanted;
        if (state == READ_SIZE || state == READ_BODY)
        {
            wanted = SelectionKey.OP_READ;
        }
        else if (state == SENDING)
        {
            wanted = SelectionKey.OP_WRITE;
        }
        else
        {
            wanted = 0;
        }
        if (wanted != interestOps)
        {
            interestOps = wanted;
            key.interestOps(wanted);
        }
    }

    /**
     * Close the socket and give back what this connection holds, except a body the handler still
     * owns: that one goes back to the pool when the request is completed.
     */
    void close()
    {
        if (state == CLOSED)
        {
            return;
        }
        final int previous = state;
        state = CLOSED;
        if (null != key)
        {
            key.cancel();
        }
        try
        {
            channel.close();
        }
        catch (final IOException ignore)
        {
            // Closing: nothing more to do with the socket.
        }

        if (null != body && !requestOutstanding)
        {
            final ByteBuffer released = body;
            body = null;
            listener.releaseBody(released);
        }
        if (previous == SENDING && null != sending)
        {
            final KafkaResponse dropped = sending;
            sending = null;
            listener.releaseResponse(dropped, false);
        }
        listener.onConnectionClosed(this);
    }

    public String toString()
    {
        return "KafkaConnection{id=" + id + ", remote=" + remoteAddress + ", state=" + state + '}';
    }
}
