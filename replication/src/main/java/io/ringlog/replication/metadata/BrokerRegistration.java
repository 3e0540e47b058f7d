package io.ringlog.replication.metadata;

import java.util.List;
import java.util.UUID;

/**
 * A registered broker. Immutable.
 *
 * @param brokerId      the broker's {@code node.id}.
 * @param incarnationId chosen by the broker at start, so a restart is told apart from a retry.
 * @param brokerEpoch   given by the controller at registration; grows with every new registration.
 * @param endpoints     its listeners.
 * @param rack          {@code broker.rack}, or null.
 * @param fenced        true when it may lead nothing and is in no ISR it could grow: lease ended, shut down.
 */
public record BrokerRegistration(
    int brokerId, UUID incarnationId, long brokerEpoch, List<Endpoint> endpoints, String rack, boolean fenced)
{
    public BrokerRegistration
    {
        endpoints = List.copyOf(endpoints);
    }

    public BrokerRegistration withFenced(final boolean fenced)
    {
        return new BrokerRegistration(brokerId, incarnationId, brokerEpoch, endpoints, rack, fenced);
    }
}
