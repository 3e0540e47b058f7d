package io.ringlog.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.ringlog.broker.core.quorum.MetadataQuorum;
import io.ringlog.replication.client.QuorumClient;
import io.ringlog.replication.quorum.ControllerNode;

/**
 * The cluster's control plane as this broker sees it, read on each scrape from the quorum client's and member's
 * volatile fields (safe from the scrape thread): the active controller, the controller epoch, the metadata log
 * position this broker has applied and how far its quorum member is ahead of it, fenced brokers, offline partitions.
 */
final class QuorumCollector implements MultiCollector
{
    private final MetadataQuorum quorum;
    private final int nodeId;

    QuorumCollector(final MetadataQuorum quorum, final int nodeId)
    {
        this.quorum = quorum;
        this.nodeId = nodeId;
    }

    @Override
    public MetricSnapshots collect()
    {
        final QuorumClient client = quorum.client();
        final ControllerNode node = quorum.node();
        final long applied = client.appliedPosition();
        final MetricSnapshots.Builder out = MetricSnapshots.builder();
        out.metricSnapshot(BrokerCollector.gauge("ringlog_controller_active", null,
            "1 when this node's quorum member is the active controller (the quorum leader), else 0",
            client.activeController() == nodeId ? 1 : 0));
        out.metricSnapshot(BrokerCollector.gauge("ringlog_controller_active_id", null,
            "node id of the active controller as this broker last heard, -1 when unknown", client.activeController()));
        out.metricSnapshot(BrokerCollector.gauge("ringlog_controller_epoch", null,
            "the controller epoch (the quorum's leadership term); grows with every new quorum leader",
            client.controllerEpoch()));
        out.metricSnapshot(BrokerCollector.gauge("ringlog_metadata_applied_position", null,
            "metadata log position of the latest image this broker applied", applied));
        out.metricSnapshot(BrokerCollector.gauge("ringlog_metadata_lag", null,
            "how far this broker's applied metadata is behind its own quorum member's (log bytes); 0 on a " +
            "broker-only node", node == null ? 0 : Math.max(0, node.appliedPosition() - applied)));
        out.metricSnapshot(BrokerCollector.gauge("ringlog_fenced_brokers", null,
            "registered brokers whose lease lapsed", client.fencedBrokers().size()));
        out.metricSnapshot(BrokerCollector.gauge("ringlog_offline_partitions", null,
            "partitions without a leader", client.offlinePartitions().size()));
        out.metricSnapshot(BrokerCollector.gauge("ringlog_quorum_connected", null,
            "1 while this broker's session with the quorum is open", client.isConnected() ? 1 : 0));
        return out.build();
    }
}
