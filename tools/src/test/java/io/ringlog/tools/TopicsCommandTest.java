package io.ringlog.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ringlog topics ...} against a real broker, one child JVM per command. */
@Timeout(120)
class TopicsCommandTest extends BrokerTestBase
{
    @Test
    void createDescribeAlterListDelete()
    {
        final Cli.Result created = topics("create", "orders", "--partitions", "3", "--config", "retention.ms=3600000");
        assertEquals(0, created.exitCode(), created::toString);
        assertEquals("created topic orders: 3 partition(s), replication factor 1\n", created.stdout());

        final Cli.Result again = topics("create", "orders");
        assertEquals(1, again.exitCode(), again::toString);
        assertEquals(1, again.stderrLines().size(), again::toString);
        assertTrue(again.stderr().contains("already exists"), again::toString);
        assertEquals(0, topics("create", "orders", "--if-not-exists").exitCode());

        final Cli.Result described = topics("describe", "orders");
        assertEquals(0, described.exitCode(), described::toString);
        assertTrue(described.stdout().startsWith("topic orders  id "), described::toString);
        assertTrue(described.stdout().contains("partitions 3  replication factor 1"), described::toString);
        assertTrue(described.stdout().contains("configs: retention.ms=3600000"), described::toString);
        assertTrue(described.stdout().matches("(?s).*\\n  2 +1 +1 +1 +0 +0\\n.*"), described::toString);

        final Cli.Result altered = topics("alter", "orders", "--partitions", "4", "--config", "retention.ms=60000");
        assertEquals(0, altered.exitCode(), altered::toString);
        final Cli.Result after = topics("describe", "orders");
        assertTrue(after.stdout().contains("partitions 4") && after.stdout().contains("retention.ms=60000"),
            after::toString);

        topics("create", "audit");
        final Cli.Result listed = topics("list");
        assertEquals("audit\norders\n", listed.stdout(), listed::toString);

        final Cli.Result deleted = topics("delete", "audit");
        assertEquals("deleted topic audit\n", deleted.stdout(), deleted::toString);
        final Cli.Result missing = topics("delete", "audit");
        assertEquals(1, missing.exitCode(), missing::toString);
        assertEquals("ringlog: no topic 'audit'\n", missing.stderr());
        assertEquals(0, topics("delete", "audit", "--if-exists").exitCode());
    }

    @Test
    void describeOfAMissingTopicSaysSo()
    {
        final Cli.Result r = topics("describe", "nope");
        assertEquals(1, r.exitCode(), r::toString);
        assertEquals("ringlog: no topic 'nope'\n", r.stderr());
    }

    @Test
    void alterWithNothingToDoIsAUsageError()
    {
        final Cli.Result r = topics("alter", "whatever");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.stderr().contains("nothing to alter"), r::toString);
    }

    private Cli.Result topics(final String... args)
    {
        final String[] all = new String[args.length + 1];
        all[0] = "topics";
        System.arraycopy(args, 0, all, 1, args.length);
        return broker.cli(all);
    }
}
