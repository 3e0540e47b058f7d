package io.ringlog.broker.kafka.group;

/**
 * The states of a classic group, under the names Kafka's DescribeGroups and ListGroups answer with.
 * <pre>
 *   Empty --join--> PreparingRebalance --all joined / rebalance timeout--> CompletingRebalance --leader's sync--> Stable
 *     ^                 ^        |                                            |                                   |
 *     |                 |        +--no member left (next generation)--> Empty |                                   |
 *     |                 +------------ join, leave, session expiry ------------+-----------------------------------+
 *     +--- (any) --DeleteGroups, or expiry of the last offset of an empty group--> Dead (removed)
 * </pre>
 */
enum GroupState
{
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    private final String kafkaName;

    GroupState(final String kafkaName)
    {
        this.kafkaName = kafkaName;
    }

    /** The name Kafka's admin APIs use. */
    String kafkaName()
    {
        return kafkaName;
    }
}
