package io.ringlog.tools;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ringlog groups ...} against a real Ringlog broker (its group coordinator), each a child JVM: lag per
 * partition, offsets reset as a dry run and with {@code --execute}, refusal while a member is active, deletion.
 */
@Timeout(180)
class GroupsCommandTest extends BrokerTestBase
{
    @BeforeAll
    void createTopics() throws Exception
    {
        broker.createTopic("events", 2);
        broker.send("events", 0, "e0", "e2", "e4", "e6", "e8");
        broker.send("events", 1, "e1", "e3", "e5", "e7", "e9");
    }

    @Test
    void lagResetAndDelete()
    {
        final Cli.Result consumed = broker.cli("consume", "events", "--group", "readers", "--from-beginning",
            "--partition", "0", "--max-messages", "3");
        assertEquals(0, consumed.exitCode(), consumed::toString);
        assertEquals("e0\ne2\ne4\n", consumed.stdout());

        final Cli.Result listed = broker.cli("groups", "list");
        assertTrue(listed.stdout().matches("(?s)GROUP +STATE +TYPE\\n.*readers +Empty +classic\\n.*"),
            listed::toString);

        final Cli.Result described = broker.cli("groups", "describe", "readers");
        assertEquals(0, described.exitCode(), described::toString);
        assertTrue(described.stdout().startsWith("group readers: state Empty, 0 member(s)"), described::toString);
        assertTrue(described.stdout().matches("(?s).*\\n  events +0 +3 +5 +2 +- +- +-\\n  total lag 2\\n"),
            described::toString);

        final Cli.Result dryRun = broker.cli("groups", "reset-offsets", "readers", "--topic", "events",
            "--to-earliest");
        assertEquals(0, dryRun.exitCode(), dryRun::toString);
        assertTrue(dryRun.stdout().matches("(?s).*\\nevents +0 +3 +0\\nevents +1 +- +0\\n.*"), dryRun::toString);
        assertTrue(dryRun.stdout().endsWith("dry run: nothing changed; add --execute to apply\n"), dryRun::toString);
        assertTrue(broker.cli("groups", "describe", "readers").stdout().contains("total lag 2"));

        final Cli.Result shifted = broker.cli("groups", "reset-offsets", "readers", "--topic", "events:0",
            "--shift-by", "-2", "--execute");
        assertEquals(0, shifted.exitCode(), shifted::toString);
        assertTrue(shifted.stdout().contains("reset 1 partition(s) of group readers"), shifted::toString);
        assertTrue(broker.cli("groups", "describe", "readers").stdout().contains("total lag 4"));

        final Cli.Result toOffset = broker.cli("groups", "reset-offsets", "readers", "--all-topics",
            "--to-offset", "99", "--execute");
        assertTrue(toOffset.stdout().matches("(?s).*\\nevents +0 +1 +5\\n.*"), () -> "clamped to the end\n" +
            toOffset);
        assertTrue(broker.cli("groups", "describe", "readers").stdout().contains("total lag 0"));

        final Cli.Result byTime = broker.cli("groups", "reset-offsets", "readers", "--all-topics",
            "--to-datetime", "1970-01-02T00:00:00Z", "--execute");
        assertTrue(byTime.stdout().matches("(?s).*\\nevents +0 +5 +0\\n.*"), byTime::toString);

        final Cli.Result deleted = broker.cli("groups", "delete", "readers");
        assertEquals("deleted group readers\n", deleted.stdout(), deleted::toString);
        final Cli.Result gone = broker.cli("groups", "describe", "readers");
        assertEquals(1, gone.exitCode(), gone::toString);
        assertEquals("ringlog: no group 'readers'\n", gone.stderr());
    }

    @Test
    void resetIsRefusedWhileAMemberIsActive()
    {
        final Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "live");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> member = new KafkaConsumer<>(p))
        {
            member.subscribe(List.of("events"));
            final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (member.assignment().isEmpty() && System.nanoTime() < deadline)
            {
                member.poll(Duration.ofMillis(100));
            }
            assertEquals(2, member.assignment().size());

            final Cli.Result described = broker.cli("groups", "describe", "live");
            assertTrue(described.stdout().contains("state Stable, 1 member(s)"), described::toString);
            final Cli.Result refused = broker.cli("groups", "reset-offsets", "live", "--topic", "events",
                "--to-earliest", "--execute");
            assertEquals(1, refused.exitCode(), refused::toString);
            assertTrue(refused.stderr().contains("has 1 active member(s)"), refused::toString);
            final Cli.Result notDeleted = broker.cli("groups", "delete", "live");
            assertEquals(1, notDeleted.exitCode(), notDeleted::toString);
            assertEquals("ringlog: group 'live' has active members: stop them first\n", notDeleted.stderr());
        }
    }
}
