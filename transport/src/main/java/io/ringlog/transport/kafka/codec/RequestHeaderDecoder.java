package io.ringlog.transport.kafka.codec;

import org.agrona.DirectBuffer;

/**
 * Allocation-free decoder of the Kafka request header that starts every request frame (after the
 * int32 length prefix):
 * <pre>
 *   v0: request_api_key int16, request_api_version int16, correlation_id int32
 *   v1: v0 + client_id nullable string (int16 length; -1 is null)
 *   v2: v1 + tagged fields (the client id stays int16-prefixed even in this flexible header)
 * </pre>
 * Which header version a request uses depends on its api key and version; the caller looks it
 * up (in the protocol adapter) from {@link #peekApiKey} and {@link #peekApiVersion} and passes it
 * to {@link #decode}.
 * <p>
 * <b>Thread:</b> a flyweight owned by one thread (the selector thread of a listener).
 */
public final class RequestHeaderDecoder
{
    /** Decoded; {@link #encodedLength()} is the header's length in bytes. */
    public static final int OK = 0;
    /** The header is cut short or a length in it is impossible: close the connection. */
    public static final int MALFORMED = -1;
    /** The header version is not 0, 1 or 2. */
    public static final int UNKNOWN_HEADER_VERSION = -2;

    /** Bytes needed to read the api key and version. */
    public static final int API_KEY_AND_VERSION_LENGTH = 4;

    private final WireReader reader = new WireReader();
    private short apiKey;
    private short apiVersion;
    private int correlationId;
    private int clientIdOffset;
    private int clientIdLength;
    private int encodedLength;

    /**
     * Api key of the request starting at {@code offset}; the caller has checked that at least
     * {@link #API_KEY_AND_VERSION_LENGTH} bytes are there.
     *
     * @param buffer holding the frame body.
     * @param offset of the header.
     * @return the api key.
     */
    public static short peekApiKey(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset, WireReader.ORDER);
    }

    /**
     * Api version of the request starting at {@code offset}.
     *
     * @param buffer holding the frame body.
     * @param offset of the header.
     * @return the api version.
     */
    public static short peekApiVersion(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + 2, WireReader.ORDER);
    }

    /**
     * Decode the header at {@code offset}.
     *
     * @param buffer        holding the frame body.
     * @param offset        of the header.
     * @param length        of the frame body (header and request body).
     * @param headerVersion 0, 1 or 2, from the api key and version.
     * @return {@link #OK}, {@link #MALFORMED} or {@link #UNKNOWN_HEADER_VERSION}.
     */
    public int decode(final DirectBuffer buffer, final int offset, final int length, final int headerVersion)
    {
        if (headerVersion < 0 || headerVersion > 2)
        {
            return UNKNOWN_HEADER_VERSION;
        }
        reader.wrap(buffer, offset, length);
        apiKey = reader.readInt16();
        apiVersion = reader.readInt16();
        correlationId = reader.readInt32();
        clientIdLength = -1;
        clientIdOffset = 0;
        if (headerVersion >= 1)
        {
            clientIdLength = reader.readStringLength(false, true);
            clientIdOffset = reader.position();
            reader.skip(Math.max(0, clientIdLength));
        }
        if (headerVersion >= 2)
        {
            reader.skipTaggedFields();
        }
        if (reader.isMalformed())
        {
            return MALFORMED;
        }
        encodedLength = reader.position() - offset;
        return OK;
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
     * @return offset of the client id's UTF-8 bytes in the buffer; meaningful when {@link #clientIdLength()} &gt;= 0.
     */
    public int clientIdOffset()
    {
        return clientIdOffset;
    }

    /**
     * @return length of the client id in bytes, or -1 when it is null or absent (header v0).
     */
    public int clientIdLength()
    {
        return clientIdLength;
    }

    /**
     * @return length of the header in bytes: the request body starts this far after the header's offset.
     */
    public int encodedLength()
    {
        return encodedLength;
    }
}
