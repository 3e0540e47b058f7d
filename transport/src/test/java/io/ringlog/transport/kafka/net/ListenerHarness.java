package io.ringlog.transport.kafka.net;

import io.ringlog.transport.kafka.protocol.KafkaApis;
import io.ringlog.transport.kafka.protocol.SupportedApis;
import org.agrona.concurrent.AgentRunner;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A listener on 127.0.0.1 with an ephemeral port, run by an AgentRunner with its default
 * (selector) idle strategy, as the broker will run it. Errors reaching the runner are kept and
 * must be none when the harness closes.
 */
final class ListenerHarness implements AutoCloseable
{
    /** ApiVersions 0-4, Metadata 0-8 (so v9+ is unsupported on purpose) and every Produce version. */
    static final SupportedApis TEST_APIS = SupportedApis.builder()
        .add(KafkaApis.API_VERSIONS, (short)0, (short)4)
        .add(KafkaApis.METADATA, (short)0, (short)8)
        .addAllVersions(KafkaApis.PRODUCE)
        .build();

    final KafkaListener listener;
    private final AgentRunner runner;
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    private ListenerHarness(final KafkaListenerContext ctx)
    {
        listener = new KafkaListener(ctx.host("127.0.0.1").port(0));
        runner = new AgentRunner(listener.idleStrategy(), errors::add, null, listener);
        AgentRunner.startOnThread(runner);
    }

    static ListenerHarness start(final KafkaListenerContext ctx)
    {
        return new ListenerHarness(ctx);
    }

    /**
     * @param handler the handler.
     * @return a context supporting {@link #TEST_APIS} with this handler.
     */
    static KafkaListenerContext context(final KafkaRequestHandler handler)
    {
        return new KafkaListenerContext().name("test").handler(handler).supportedApis(TEST_APIS);
    }

    int port()
    {
        return listener.boundPort();
    }

    Thread thread()
    {
        return runner.thread();
    }

    KafkaListenerCounters counters()
    {
        return listener.counters();
    }

    public void close()
    {
        runner.close();
        assertEquals(List.of(), errors, "errors reported to the agent runner");
    }
}
