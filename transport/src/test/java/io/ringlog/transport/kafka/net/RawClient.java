package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.KafkaMessages;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * A blocking socket client that writes raw bytes and reads length-prefixed frames, every read
 * bounded by a socket timeout.
 */
final class RawClient implements AutoCloseable
{
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawClient(final int port) throws IOException
    {
        this(port, -1);
    }

    RawClient(final int port, final int receiveBufferBytes) throws IOException
    {
        socket = new Socket();
        if (receiveBufferBytes > 0)
        {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    static ByteBuffer apiVersionsRequest(final short version, final int correlationId)
    {
        return KafkaMessages.serializeRequest(
            new ApiVersionsRequestData().setClientSoftwareName("raw").setClientSoftwareVersion("1"),
            version, correlationId, "raw-client");
    }

    void send(final ByteBuffer frame) throws IOException
    {
        final ByteBuffer copy = frame.duplicate();
        final byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        send(bytes);
    }

    void send(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    /**
     * @return the next frame without its length prefix.
     */
    ByteBuffer readFrame() throws IOException
    {
        final int length = in.readInt();
        final byte[] body = new byte[length];
        in.readFully(body);
        return ByteBuffer.wrap(body);
    }

    /**
     * Send an ApiVersions request and check the answer's correlation id.
     *
     * @return the answer's body after the response header (v0).
     */
    ByteBuffer apiVersions(final int correlationId) throws IOException
    {
        send(apiVersionsRequest((short)3, correlationId));
        final ByteBuffer frame = readFrame();
        if (frame.getInt(0) != correlationId)
        {
            throw new IllegalStateException("correlation id " + frame.getInt(0) + " != " + correlationId);
        }
        return frame.position(4).slice();
    }

    /**
     * @return true once the peer has closed the connection (end of stream or reset).
     */
    boolean isClosedByPeer()
    {
        try
        {
            return in.read() < 0;
        }
        catch (final EOFException | SocketException ex)
        {
            return true;
        }
        catch (final SocketTimeoutException ex)
        {
            return false;
        }
        catch (final IOException ex)
        {
            return true;
        }
    }

    /**
     * @return true if an ApiVersions v3 request is answered without error.
     */
    boolean isApiVersionsServed() throws IOException
    {
        final ApiVersionsResponseData data = (ApiVersionsResponseData)KafkaMessages.parseResponse(
            KafkaApis.API_VERSIONS, (short)3, apiVersions(12345));
        return data.errorCode() == 0 && null != data.apiKeys().find(KafkaApis.API_VERSIONS);
    }

    public void close() throws IOException
    {
        socket.close();
    }
}
