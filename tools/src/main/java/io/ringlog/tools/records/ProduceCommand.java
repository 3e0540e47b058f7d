package io.ringlog.tools.records;

import io.ringlog.client.RinglogClient;
import io.ringlog.client.producer.ProducerTopic;
import io.ringlog.client.producer.RinglogProducer;
import io.ringlog.tools.BrokerCommand;
import io.ringlog.tools.CliException;
import io.ringlog.tools.client.NativeOptions;
import io.ringlog.tools.client.NativeSends;
import io.ringlog.tools.client.ProducerOptions;
import io.ringlog.tools.client.SendErrors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ringlog produce TOPIC}: one record per input line, from stdin or a file; with {@code --keys} each line is
 * {@code KEY:VALUE}. Sends are pipelined; the command ends when every record is acknowledged (or failed), and
 * fails with the first error if any record failed. With {@code --native} the records go through the native
 * producer ({@link RinglogProducer}) over Aeron, with the same input and options (no compression).
 */
@Command(name = "produce", description = "send each line of stdin (or a file) as a record")
public final class ProduceCommand extends BrokerCommand
{
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Option(names = {"-F", "--file"}, paramLabel = "FILE", description = "read lines from FILE instead of stdin")
    Path file;

    @Option(names = {"-k", "--keys"}, description = "each line is KEY<sep>VALUE (see --key-separator)")
    boolean keys;

    @Option(names = "--key-separator", paramLabel = "SEP", defaultValue = ":",
        description = "between key and value with --keys (default '${DEFAULT-VALUE}')")
    String keySeparator;

    @Option(names = {"-p", "--partition"}, paramLabel = "N",
        description = "send every record to this partition (default: by key, or spread)")
    Integer partition;

    @Option(names = {"-H", "--header"}, paramLabel = "KEY=VALUE", description = "a header on every record, repeatable")
    Map<String, String> headers = new LinkedHashMap<>();

    @Mixin
    ProducerOptions producing;

    @Mixin
    NativeOptions nativeOptions;

    @Override
    protected int run() throws IOException
    {
        if (nativeOptions.enabled())
        {
            return runNative();
        }
        final Map<String, Object> settings = producing.settings();
        final RecordHeaders recordHeaders = new RecordHeaders();
        headers.forEach((k, v) -> recordHeaders.add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));

        final SendErrors errors = new SendErrors();
        long sent = 0;
        try (BufferedReader in = reader();
            KafkaProducer<byte[], byte[]> producer = client.producer(settings))
        {
            String line;
            while ((line = in.readLine()) != null)
            {
                final byte[][] kv = keyAndValue(line, sent + 1);
                producer.send(new ProducerRecord<>(topic, partition, kv[0], kv[1], recordHeaders),
                    (metadata, ex) -> errors.onCompletion(ex));
                sent++;
            }
            producer.flush();
        }
        errors.throwIfAny(client, sent);
        return produced(sent);
    }

    /** The same lines through the native producer: each send polls the client while it waits for room. */
    private int runNative() throws IOException
    {
        final io.ringlog.client.producer.RecordHeaders recordHeaders =
            new io.ringlog.client.producer.RecordHeaders(Math.max(1, headers.size()));
        headers.forEach((k, v) -> recordHeaders.add(k, v.getBytes(StandardCharsets.UTF_8)));
        final NativeSends sends = new NativeSends(client.timeout(), token -> { }, 1_000_000);
        long sent = 0;
        try (BufferedReader in = reader();
            RinglogClient c = nativeOptions.connect(client, "ringlog-producer", producing::applyTo);
            RinglogProducer producer = new RinglogProducer(c, sends))
        {
            final ProducerTopic t = NativeSends.topic(producer, topic);
            final int p = partition == null ? RinglogProducer.ANY_PARTITION : partition;
            String line;
            while ((line = in.readLine()) != null)
            {
                final byte[][] kv = keyAndValue(line, sent + 1);
                sends.send(c, producer, t, p, kv[0], kv[1], headers.isEmpty() ? null : recordHeaders, sent);
                sent++;
            }
            producer.flush();
        }
        sends.throwIfAny(sent);
        return produced(sent);
    }

    private BufferedReader reader() throws IOException
    {
        return file != null ? Files.newBufferedReader(file, StandardCharsets.UTF_8) :
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }

    /** {key or null, value} of one input line. */
    private byte[][] keyAndValue(final String line, final long lineNumber)
    {
        if (!keys)
        {
            return new byte[][]{null, line.getBytes(StandardCharsets.UTF_8)};
        }
        final int at = line.indexOf(keySeparator);
        if (at < 0)
        {
            throw new CliException("line " + lineNumber + " has no key separator '" + keySeparator +
                "' (with --keys every line is KEY" + keySeparator + "VALUE)");
        }
        return new byte[][]{line.substring(0, at).getBytes(StandardCharsets.UTF_8),
            line.substring(at + keySeparator.length()).getBytes(StandardCharsets.UTF_8)};
    }

    private int produced(final long sent)
    {
        out().println("produced " + sent + " record(s) to " + topic +
            (producing.acks().equals("0") ? " (acks=0: unconfirmed)" : ""));
        out().flush();
        return 0;
    }
}
