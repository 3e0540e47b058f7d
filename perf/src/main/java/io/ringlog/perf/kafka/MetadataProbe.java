package io.ringlog.perf.kafka;

import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One Metadata request to one named broker, on a socket of its own: what that broker itself serves, which the Admin
 * client cannot tell (it asks whichever node it likes). Used to time how long a change takes to reach every broker.
 * Cold path; one request per call, a new connection each time (a dead broker is simply "not serving").
 */
final class MetadataProbe
{
    private static final short VERSION = 12;
    private static final int TIMEOUT_MS = 2_000;

    private MetadataProbe()
    {
    }

    /**
     * @param host  the broker.
     * @param port  its client listener.
     * @param topic the topic to look for.
     * @return true when the broker answers the topic with every partition led by some broker.
     */
    static boolean servesWithLeaders(final String host, final int port, final String topic)
    {
        try
        {
            final MetadataResponseData data = metadata(host, port, topic).data();
            for (final MetadataResponseData.MetadataResponseTopic t : data.topics())
            {
                if (topic.equals(t.name()) && t.errorCode() == 0 && !t.partitions().isEmpty())
                {
                    return t.partitions().stream().allMatch(p -> p.errorCode() == 0 && p.leaderId() >= 0);
                }
            }
            return false;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    static MetadataResponse metadata(final String host, final int port, final String topic) throws IOException
    {
        final MetadataRequestData data = new MetadataRequestData()
            .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic)))
            .setAllowAutoTopicCreation(false);
        final RequestHeader header = new RequestHeader(ApiKeys.METADATA, VERSION, "ringlog-perf-probe", 1);
        final ByteBuffer request = new MetadataRequest(data, VERSION).serializeWithHeader(header);
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            final OutputStream out = socket.getOutputStream();
            final byte[] frame = new byte[4 + request.remaining()];
            ByteBuffer.wrap(frame).putInt(request.remaining()).put(request);
            out.write(frame);
            out.flush();
            final DataInputStream in = new DataInputStream(socket.getInputStream());
            final byte[] body = new byte[in.readInt()];
            in.readFully(body);
            return (MetadataResponse)AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
        }
    }
}
