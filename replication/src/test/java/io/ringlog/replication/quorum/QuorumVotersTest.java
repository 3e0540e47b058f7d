package io.ringlog.replication.quorum;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class QuorumVotersTest
{
    @Test
    void parsesAndDerivesEveryEndpointFromTheBasePort()
    {
        final QuorumVoters voters = QuorumVoters.parse("2@h2:9100, 0@h0:9000,1@h1:9050");
        assertEquals(3, voters.voters().size());
        assertEquals(0, voters.voters().get(0).id());
        assertEquals("0,h0:9000,h0:9001,h0:9002,h0:9003,h0:9004|1,h1:9050,h1:9051,h1:9052,h1:9053,h1:9054|" +
            "2,h2:9100,h2:9101,h2:9102,h2:9103,h2:9104", voters.clusterMembers());
        assertEquals("0=h0:9000,1=h1:9050,2=h2:9100", voters.ingressEndpoints());
        assertEquals("0@h0:9000,1@h1:9050,2@h2:9100", voters.toString());
    }

    @Test
    void badVotersNameTheKey()
    {
        for (final String bad : new String[]{"", "0@h", "x@h:1", "0@h:port", "0h:9000", "0@h:65534", "0@h:1,0@g:2"})
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> QuorumVoters.parse(bad), bad);
            assertTrue(ex.getMessage().contains("controller.quorum.voters"), ex.getMessage());
        }
        final IllegalArgumentException duplicate = assertThrows(IllegalArgumentException.class,
            () -> QuorumVoters.parse("1@a:1000,1@b:2000"));
        assertTrue(duplicate.getMessage().contains("duplicate voter id 1"), duplicate.getMessage());
    }

    @Test
    void nodeIdMustBeAVoter()
    {
        final ControllerNodeConfig config = new ControllerNodeConfig();
        config.voters = "0@localhost:9000";
        config.nodeId = 3;
        config.dataDir = new File("unused");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, config::validate);
        assertTrue(ex.getMessage().startsWith("node.id 3 is not one of the voters in controller.quorum.voters"),
            ex.getMessage());
        config.nodeId = 0;
        config.validate();
        config.archiveSegmentLength = 1000;
        assertThrows(IllegalArgumentException.class, config::validate);
    }
}
