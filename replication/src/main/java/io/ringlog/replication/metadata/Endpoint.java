package io.ringlog.replication.metadata;

import java.util.Objects;

/**
 * One listener a broker advertises, as KRaft's RegisterBrokerRecord lists them.
 *
 * @param listener         listener name, e.g. {@code PLAINTEXT}.
 * @param host             advertised host.
 * @param port             advertised port.
 * @param securityProtocol {@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}.
 */
public record Endpoint(String listener, String host, int port, String securityProtocol)
{
    public Endpoint
    {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(securityProtocol, "securityProtocol");
    }
}
