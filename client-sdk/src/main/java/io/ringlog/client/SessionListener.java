package io.ringlog.client;

/**
 * Told when the client's session with the broker opens and when it is lost, on the client's thread. The producer
 * re-sends its unacknowledged batches on open; the consumer re-subscribes its partitions.
 */
interface SessionListener
{
    /**
     * @param reconnected false for the client's first session, true for every later one (a new session id; the
     *                    broker has forgotten the old one's subscriptions).
     */
    void onSessionOpened(boolean reconnected);

    /** The session is gone; nothing sent on it will be answered. */
    void onSessionLost(String reason);
}
