package io.ringlog.perf.kafka;

import java.io.IOException;

/**
 * One node of a three-node cluster under a fault benchmark ({@link ClusterBench}, {@link ReplicationBench}),
 * whichever broker it runs: started without waiting (a node of a quorum cannot be ready before its peers are up),
 * then waited for, killed with {@code kill -9} or stopped with SIGTERM keeping its data, started again on the same
 * data and ports, stopped for good at the end.
 */
interface ClusterMember
{
    /** @return its node id. */
    int nodeId();

    /** @return {@code 127.0.0.1:port} of its client listener. */
    String bootstrap();

    /** Start its process; returns at once. */
    void start() throws IOException;

    /** Wait until it says it serves clients. */
    void awaitStarted() throws IOException;

    /** {@code kill -9}, keeping its data. */
    void kill() throws IOException;

    /** SIGTERM, a controlled shutdown, and wait until it has ended, keeping its data. */
    void shutdown() throws IOException;

    /** @return true while its process runs. */
    boolean alive();

    /** @return its CPU ticks so far. */
    ProcStat.ProcessTicks cpu() throws IOException;

    /** Stop it and delete its data: the end of the run. */
    void stop();
}
