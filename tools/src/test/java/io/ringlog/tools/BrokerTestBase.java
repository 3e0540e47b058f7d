package io.ringlog.tools;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * One real broker for a test class, started before its tests and closed after, with its data in a temp dir. The state
 * is the test instance's (one per class), not static, so nothing is shared between classes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BrokerTestBase
{
    Path dir;
    TestBroker broker;

    @BeforeAll
    void startBroker(@TempDir final Path tempDir) throws Exception
    {
        dir = tempDir;
        broker = new TestBroker(dir.resolve("data"));
    }

    @AfterAll
    void stopBroker()
    {
        if (broker != null)
        {
            broker.close();
        }
    }
}
