package io.ringlog.replication.client;

import io.ringlog.replication.controller.ControllerError;
import io.ringlog.replication.controller.Reply;
import io.ringlog.replication.quorum.QuorumTesting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No quorum at the voters: proposals end with a clear REQUEST_TIMED_OUT, the client keeps retrying quietly. */
@Timeout(30)
class QuorumClientUnreachableTest
{
    @Test
    void proposalsTimeOutClearlyWhenNoVoterAnswers() throws Exception
    {
        final String voters = QuorumTesting.voters(1);
        final QuorumClientConfig config = QuorumTesting.clientConfig(7, voters, null, null);
        config.connectTimeoutMs = 300;
        config.requestTimeoutMs = 1_000;
        try (QuorumClient client = QuorumClient.start(config))
        {
            final Reply reply = client.createTopic("t", new UUID(1, 1), 1, 1, Map.of(), false)
                .get(10, TimeUnit.SECONDS);
            assertEquals(ControllerError.REQUEST_TIMED_OUT, reply.error());
            assertTrue(reply.message().contains(voters), reply.message());
            assertFalse(client.isConnected());
            assertFalse(client.registered().isDone());
            assertEquals(-1, client.brokerEpoch());
        }
    }
}
