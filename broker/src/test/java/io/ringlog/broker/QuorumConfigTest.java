package io.ringlog.broker;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.quorum.FreeUdpPorts;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quorum's keys refused at start with the key named (process.roles, node.id among the voters, duplicate voters),
 * and the cluster id: kept from an existing data directory, adopted by a new broker, and a broker whose
 * meta.properties names another cluster refused, naming both ids.
 */
@Timeout(90)
class QuorumConfigTest
{
    @TempDir
    Path dir;

    private static IllegalArgumentException refused(final String... keyValues)
    {
        final Map<String, String> config = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2)
        {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        return assertThrows(IllegalArgumentException.class, () -> BrokerConfig.from(config));
    }

    @Test
    void wrongQuorumKeysAreRefusedNamingTheKey()
    {
        final IllegalArgumentException roles = refused("process.roles", "broker,observer");
        assertTrue(roles.getMessage().contains("process.roles"), roles.getMessage());
        assertTrue(roles.getMessage().contains("controller"), "names what is allowed: " + roles.getMessage());

        final IllegalArgumentException notAVoter = refused("process.roles", "controller", "node.id", "4",
            "controller.quorum.voters", "1@127.0.0.1:9300,2@127.0.0.1:9310,3@127.0.0.1:9320");
        assertTrue(notAVoter.getMessage().contains("node.id") && notAVoter.getMessage().contains("not among"),
            notAVoter.getMessage());

        final IllegalArgumentException duplicate = refused("node.id", "1",
            "controller.quorum.voters", "1@127.0.0.1:9300,2@127.0.0.1:9310,1@127.0.0.1:9320");
        assertTrue(duplicate.getMessage().contains("controller.quorum.voters") &&
            duplicate.getMessage().contains("duplicate"), duplicate.getMessage());

        final IllegalArgumentException controllerAlone = refused("process.roles", "controller", "node.id", "1");
        assertTrue(controllerAlone.getMessage().contains("controller.quorum.voters"), controllerAlone.getMessage());

        final IllegalArgumentException brokerVoter = refused("process.roles", "broker", "node.id", "1",
            "controller.quorum.voters", "1@127.0.0.1:9300");
        assertTrue(brokerVoter.getMessage().contains("node.id"), brokerVoter.getMessage());

        final BrokerConfig controllerOnly = BrokerConfig.from(Map.of("process.roles", "controller", "node.id", "2",
            "controller.quorum.voters", "1@127.0.0.1:9300,2@127.0.0.1:9310,3@127.0.0.1:9320", "broker.rack", "r1"));
        assertTrue(controllerOnly.isController() && !controllerOnly.isBroker());
        assertEquals("r1", controllerOnly.get(BrokerConfig.BROKER_RACK));
        assertTrue(controllerOnly.unknownKeys().isEmpty());
    }

    @Test
    void aSingleNodeDataDirectoryKeepsItsClusterId() throws Exception
    {
        final Path node = dir.resolve("single");
        Files.createDirectories(node);
        Files.writeString(node.resolve("meta.properties"), "version=1\ncluster.id=KeptFromBefore0000000\nnode.id=1\n",
            StandardCharsets.UTF_8);
        try (TestBroker broker = new TestBroker(node); Admin admin = broker.admin())
        {
            assertEquals("KeptFromBefore0000000", admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS));
        }
        // and again after a restart, from the quorum this time
        try (TestBroker broker = new TestBroker(node); Admin admin = broker.admin())
        {
            assertEquals("KeptFromBefore0000000", admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aNewBrokerAdoptsTheQuorumsClusterIdAndAForeignOneIsRefusedNamingBoth() throws Exception
    {
        final String voters = FreeUdpPorts.voters(1);
        try (TestBroker first = new TestBroker(dir.resolve("node-1"), "node.id=1",
            "controller.quorum.voters=" + voters))
        {
            final String clusterId = meta(dir.resolve("node-1")).get("cluster.id");
            try (TestBroker joining = new TestBroker(dir.resolve("node-2"), "node.id=2", "process.roles=broker",
                "controller.quorum.voters=" + voters); Admin admin = joining.admin())
            {
                assertEquals(clusterId, admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS));
                assertEquals(clusterId, meta(dir.resolve("node-2")).get("cluster.id"));
            }

            final Path foreign = dir.resolve("node-3");
            Files.createDirectories(foreign);
            Files.writeString(foreign.resolve("meta.properties"), "version=1\ncluster.id=AnotherCluster00000000\n" +
                "node.id=3\n", StandardCharsets.UTF_8);
            final IOException refused = assertThrows(IOException.class, () -> new TestBroker(foreign, "node.id=3",
                "process.roles=broker", "controller.quorum.voters=" + voters));
            assertTrue(refused.getMessage().contains("AnotherCluster00000000") &&
                refused.getMessage().contains(clusterId), refused.getMessage());
            assertEquals("AnotherCluster00000000", meta(foreign).get("cluster.id"), "its meta.properties untouched");
        }
    }

    private static Map<String, String> meta(final Path logDir) throws IOException
    {
        final java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(logDir.resolve("meta.properties"), StandardCharsets.UTF_8))
        {
            p.load(r);
        }
        final Map<String, String> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        return m;
    }
}
