package io.ringlog.transport.kafka.net;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One request in flight on a connection, and the handle that completes it.
 * <p>
 * The header fields are decoded; the body is a view of the pooled buffer the frame was read
 * into, from {@link #bodyOffset()} for {@link #bodyLength()} bytes. Hot-path handlers read it with
 * a flyweight ({@code ProduceRequestDecoder}); cold-path handlers parse {@link #bodyByteBuffer()}
 * with {@code KafkaMessages.parseRequest}.
 * <p>
 * Completion returns a code, never throws for flow control:
 * <ul>
 *   <li>{@link #ACCEPTED}: the listener owns the completion (and the response) from now on;</li>
 *   <li>{@link #BACK_PRESSURED}: the queue of completions from other threads is full; nothing was
 *   taken, the caller still owns the request and the response and retries later (the selector
 *   thread drains the queue every duty cycle);</li>
 *   <li>{@link #LISTENER_CLOSED}: the listener is closed; the caller still owns the response and
 *   should release it.</li>
 * </ul>
 * <b>Thread:</b> created and reused by the selector thread, one per connection. Between
 * {@link KafkaRequestHandler#onRequest} and its completion it belongs to the handler, which may
 * pass it to one other thread at a time (through its own safe hand-off); completing it from any
 * thread is safe. After completion the object and the body memory are reused for the next request
 * of the connection and must not be touched.
 */
public final class KafkaRequest
{
    /** The completion was taken by the listener. */
    public static final int ACCEPTED = 0;
    /** The completion queue is full: retry later; the caller keeps ownership. */
    public static final int BACK_PRESSURED = -1;
    /** The listener is closed: the caller keeps ownership of the response and should release it. */
    public static final int LISTENER_CLOSED = -2;

    static final int IDLE = 0;
    static final int IN_FLIGHT = 1;
    static final int COMPLETED = 2;

    static final int RESPOND = 1;
    static final int NO_RESPONSE = 2;
    static final int CLOSE = 3;

    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(KafkaRequest.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final KafkaListener listener;
    private final KafkaConnection connection;
    private final UnsafeBuffer view = new UnsafeBuffer(0, 0);
    private ByteBuffer frame;
    private short apiKey;
    private short apiVersion;
    private int correlationId;
    private int clientIdOffset;
    private int clientIdLength;
    private byte[] cachedClientIdBytes;
    private String cachedClientId;
    private int bodyOffset;
    private int frameLength;
    private long receivedNanos;

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = IDLE;
    int completionKind;
    KafkaResponse response;
    KafkaRequest nextInline;

    KafkaRequest(final KafkaListener listener, final KafkaConnection connection)
    {
        this.listener = listener;
        this.connection = connection;
    }

    void init(
        final ByteBuffer frame,
        final int frameLength,
        final short apiKey,
        final short apiVersion,
        final int correlationId,
        final int clientIdOffset,
        final int clientIdLength,
        final int bodyOffset,
        final long receivedNanos)
    {
        this.frame = frame;
        this.view.wrap(frame, 0, frameLength);
        this.frameLength = frameLength;
        this.apiKey = apiKey;
        this.apiVersion = apiVersion;
        this.correlationId = correlationId;
        this.clientIdOffset = clientIdOffset;
        this.clientIdLength = clientIdLength;
        this.bodyOffset = bodyOffset;
        this.receivedNanos = receivedNanos;
        this.completionKind = 0;
        this.response = null;
        STATE.setRelease(this, IN_FLIGHT);
    }

    /**
     * Send this response, then read the connection's next request.
     *
     * @param response the answer; the listener owns it until its release handler runs.
     * @return {@link #ACCEPTED}, {@link #BACK_PRESSURED} or {@link #LISTENER_CLOSED}.
     * @throws IllegalStateException if the request was already completed (a handler bug).
     */
    public int respond(final KafkaResponse response)
    {
        if (null == response)
        {
            throw new NullPointerException("response");
        }
        return complete(RESPOND, response);
    }

    /**
     * Complete without an answer (a Produce with acks=0): the connection reads its next request at once.
     *
     * @return {@link #ACCEPTED}, {@link #BACK_PRESSURED} or {@link #LISTENER_CLOSED}.
     * @throws IllegalStateException if the request was already completed (a handler bug).
     */
    public int noResponse()
    {
        return complete(NO_RESPONSE, null);
    }

    /**
     * Complete by closing the connection (a body that does not parse, a failed authentication).
     *
     * @return {@link #ACCEPTED}, {@link #BACK_PRESSURED} or {@link #LISTENER_CLOSED}.
     * @throws IllegalStateException if the request was already completed (a handler bug).
     */
    public int closeConnection()
    {
        return complete(CLOSE, null);
    }

    private int complete(final int kind, final KafkaResponse response)
    {
        if (!STATE.compareAndSet(this, IN_FLIGHT, COMPLETED))
        {
            throw new IllegalStateException("request is not in flight: completed twice, or used after completion");
        }
        this.completionKind = kind;
        this.response = response;
        final int result = listener.complete(this);
        if (result != ACCEPTED)
        {
            this.response = null;
            STATE.setRelease(this, IN_FLIGHT);
        }
        return result;
    }

    boolean isInFlight()
    {
        return (int)STATE.getAcquire(this) == IN_FLIGHT;
    }

    /**
     * Mark completed by the listener itself (the handler threw); false if the handler completed it first.
     */
    boolean tryCompleteFromListener(final int kind)
    {
        if (STATE.compareAndSet(this, IN_FLIGHT, COMPLETED))
        {
            completionKind = kind;
            response = null;
            return true;
        }
        return false;
    }

    void reset()
    {
        STATE.setRelease(this, IDLE);
        frame = null;
        response = null;
        view.wrap(0, 0);
    }

    KafkaConnection connection()
    {
        return connection;
    }

    ByteBuffer frame()
    {
        return frame;
    }

    /**
     * @return id of the connection, unique within the listener.
     */
    public long connectionId()
    {
        return connection.id();
    }

    /**
     * @return the peer's address as text.
     */
    public String remoteAddress()
    {
        return connection.remoteAddress();
    }

    public short apiKey()
    {
        return apiKey;
    }

    public short apiVersion()
    {
        return apiVersion;
    }

    public int correlationId()
    {
        return correlationId;
    }

    /**
     * The client id, decoded once per distinct value on the connection: clients send the same
     * id with every request, so this allocates only when it changes.
     *
     * @return the client id, or null.
     */
    public String clientId()
    {
        if (clientIdLength < 0)
        {
            return null;
        }
        final byte[] cached = cachedClientIdBytes;
        if (null != cached && cached.length == clientIdLength && sameBytes(cached))
        {
            return cachedClientId;
        }
        final byte[] bytes = new byte[clientIdLength];
        view.getBytes(clientIdOffset, bytes);
        cachedClientIdBytes = bytes;
        cachedClientId = new String(bytes, StandardCharsets.UTF_8);
        return cachedClientId;
    }

    private boolean sameBytes(final byte[] cached)
    {
        for (int i = 0; i < cached.length; i++)
        {
            if (cached[i] != view.getByte(clientIdOffset + i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the frame (header and body, without the length prefix), valid until completion.
     */
    public DirectBuffer buffer()
    {
        return view;
    }

    /**
     * @return offset of the body in {@link #buffer()}, just after the request header.
     */
    public int bodyOffset()
    {
        return bodyOffset;
    }

    /**
     * @return length of the body in bytes.
     */
    public int bodyLength()
    {
        return frameLength - bodyOffset;
    }

    /**
     * @return a new ByteBuffer view of the body, positioned at its start, for the generated
     * classes (allocates one small object: control path).
     */
    public ByteBuffer bodyByteBuffer()
    {
        return frame.duplicate().limit(frameLength).position(bodyOffset).slice();
    }

    /**
     * @return {@code System.nanoTime()} of the duty cycle that read the request's last byte.
     */
    public long receivedNanos()
    {
        return receivedNanos;
    }

    public String toString()
    {
        return "KafkaRequest{connection=" + connection.id() + ", apiKey=" + apiKey + ", apiVersion=" + apiVersion +
            ", correlationId=" + correlationId + ", bodyLength=" + bodyLength() + '}';
    }
}
