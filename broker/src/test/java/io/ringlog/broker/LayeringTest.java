package io.ringlog.broker;

import io.ringlog.broker.core.replica.ReplicaManager;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker's shape, checked on the compiled classes: a protocol-neutral core ({@code core.*}) and two edges, Kafka
 * ({@code kafka.*}) and native ({@code nativeapi}), that depend on the core and never on each other; wiring
 * ({@code RingBroker}, {@code Main}) and {@code metrics} sit above both and nothing below depends on them. The core
 * uses none of kafka-clients' protocol classes (generated messages, requests, {@code Errors}); the native edge none
 * of its generated messages or requests.
 * <p>
 * How: every class file's constant pool is read (no library: the format is a few tags) and every UTF-8 entry is
 * searched for the internal names it may reference; class references, field and method descriptors and generic
 * signatures are all UTF-8 entries, so an import the compiler kept shows up here.
 */
final class LayeringTest
{
    private static final String BROKER = "io/ringlog/broker/";
    private static final Pattern REFERENCE = Pattern.compile("(io/ringlog/broker/[A-Za-z0-9_/$]+|org/apache/kafka/[A-Za-z0-9_/$]+)");

    private record Rule(String layer, String forbidden, String why)
    {
    }

    private static final List<Rule> RULES = List.of(
        new Rule("core/", BROKER + "kafka/", "the core imports the Kafka edge"),
        new Rule("core/", BROKER + "nativeapi/", "the core imports the native edge"),
        new Rule("core/", BROKER + "metrics/", "the core imports the metrics above the edges"),
        new Rule("core/", BROKER + "RingBroker", "the core imports the wiring"),
        new Rule("core/", "org/apache/kafka/common/message/", "the core uses kafka-clients' generated messages"),
        new Rule("core/", "org/apache/kafka/common/requests/", "the core uses kafka-clients' requests"),
        new Rule("core/", "org/apache/kafka/common/protocol/", "the core uses kafka-clients' protocol (Errors, ApiKeys)"),
        new Rule("kafka/", BROKER + "nativeapi/", "the Kafka edge imports the native edge"),
        new Rule("kafka/", BROKER + "metrics/", "the Kafka edge imports the metrics above the edges"),
        new Rule("kafka/", BROKER + "RingBroker", "the Kafka edge imports the wiring"),
        new Rule("nativeapi/", BROKER + "kafka/", "the native edge imports the Kafka edge"),
        new Rule("nativeapi/", BROKER + "metrics/", "the native edge imports the metrics above the edges"),
        new Rule("nativeapi/", BROKER + "RingBroker", "the native edge imports the wiring"),
        new Rule("nativeapi/", "org/apache/kafka/common/message/", "the native edge builds Kafka messages"),
        new Rule("nativeapi/", "org/apache/kafka/common/requests/", "the native edge builds Kafka requests"));

    @Test
    void edgesDependOnTheCoreAndNeverOnEachOther() throws Exception
    {
        final Path classes = Path.of(ReplicaManager.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        final Path root = classes.resolve(BROKER);
        final Map<String, Integer> perLayer = new TreeMap<>();
        final java.util.Set<String> violations = new java.util.LinkedHashSet<>();
        try (Stream<Path> files = Files.walk(root))
        {
            for (final Path file : (Iterable<Path>)files.filter(f -> f.toString().endsWith(".class"))::iterator)
            {
                final String name = BROKER + root.relativize(file).toString().replace('\\', '/');
                final String inBroker = name.substring(BROKER.length());
                final String layer = inBroker.contains("/") ? inBroker.substring(0, inBroker.indexOf('/') + 1) : "";
                perLayer.merge(layer, 1, Integer::sum);
                for (final String reference : references(file))
                {
                    for (final Rule rule : RULES)
                    {
                        if (inBroker.startsWith(rule.layer()) && reference.startsWith(rule.forbidden()))
                        {
                            violations.add(rule.why() + ": " + name + " -> " + reference);
                        }
                    }
                }
            }
        }
        // Not vacuous: each layer was found and read.
        for (final String layer : List.of("core/", "kafka/", "nativeapi/", "metrics/"))
        {
            assertTrue(perLayer.getOrDefault(layer, 0) >= 3, "too few classes in " + layer + ": " + perLayer);
        }
        assertTrue(violations.isEmpty(), String.join("\n", violations));
    }

    /** Internal names of broker and kafka-clients classes that the class file's constant pool mentions. */
    private static List<String> references(final Path file) throws IOException
    {
        final List<String> found = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file); DataInputStream data = new DataInputStream(in))
        {
            if (data.readInt() != 0xCAFEBABE)
            {
                throw new IOException("not a class file: " + file);
            }
            data.readUnsignedShort(); // minor
            data.readUnsignedShort(); // major
            final int count = data.readUnsignedShort();
            for (int i = 1; i < count; i++)
            {
                final int tag = data.readUnsignedByte();
                switch (tag)
                {
                    case 1 -> // Utf8
                    {
                        final Matcher m = REFERENCE.matcher(data.readUTF());
                        while (m.find())
                        {
                            found.add(m.group(1));
                        }
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> data.skipBytes(4);
                    case 5, 6 -> // Long, Double: two slots
                    {
                        data.skipBytes(8);
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> data.skipBytes(2);
                    case 15 -> data.skipBytes(3);
                    default -> throw new IOException("unknown constant pool tag " + tag + " in " + file);
                }
            }
        }
        return found;
    }
}
