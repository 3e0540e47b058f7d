package io.ringlog.replication.controller;

import java.util.Map;

/**
 * Checks a topic's configs as they would be after a change; the broker plugs in its TopicConfig rules. Called on
 * the controller's service thread with sorted maps; it must be deterministic (the same answer on every member).
 */
@FunctionalInterface
public interface ConfigValidator
{
    /** Accepts everything. */
    ConfigValidator ACCEPT_ALL = (topic, configs) -> null;

    /**
     * @param topic   the topic's name.
     * @param configs every config the topic would have.
     * @return null when valid, else the reason (the reply's INVALID_CONFIG message).
     */
    String validate(String topic, Map<String, String> configs);
}
