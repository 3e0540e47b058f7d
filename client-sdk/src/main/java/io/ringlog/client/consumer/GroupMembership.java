package io.ringlog.client.consumer;

import io.ringlog.client.ClientContext;
import io.ringlog.client.ResponseListener;
import io.ringlog.client.RinglogClient;
import io.ringlog.client.RinglogException;
import io.ringlog.client.TopicMetadata;
import io.ringlog.transport.nativeproto.NativeErrors;
import io.ringlog.transport.nativeproto.codecs.HeartbeatResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.JoinGroupResponseDecoder;
import io.ringlog.transport.nativeproto.codecs.SyncGroupResponseDecoder;
import org.agrona.DirectBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Membership of a consumer group through the classic protocol's four calls, served by the same group coordinator
 * Kafka consumers use, with Kafka's ConsumerProtocol bytes and its range assignor, so native and Kafka members can
 * share a group. An asynchronous state machine run by the consumer's duty cycle, never blocking it:
 *
 * <pre>
 *   NEEDS_JOIN --JoinGroup--> JOINING --(answer)--> NEEDS_SYNC --SyncGroup (leader: with assignments)--> SYNCING
 *       ^   MEMBER_ID_REQUIRED: join again with the given member id                                         |
 *       |                                                                                                   v
 *       +---- REBALANCE_IN_PROGRESS / UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION (heartbeat or sync) ----- STABLE
 * </pre>
 * The leader resolves every subscribed topic's partition count through metadata (asynchronously) before it assigns.
 * The protocol is eager, as Kafka's range assignor is: on a rebalance every partition is revoked (the consumer
 * commits, with auto-commit, and stops their streams) before joining again. Heartbeats go every
 * {@code heartbeat.interval.ms} while stable; they allocate nothing (ids pre-encoded, listener reused).
 * <p>
 * Owned by the client's thread.
 */
final class GroupMembership
{
    static final int INACTIVE = 0;
    static final int NEEDS_JOIN = 1;
    static final int JOINING = 2;
    static final int NEEDS_SYNC = 3;
    static final int SYNCING = 4;
    static final int STABLE = 5;
    static final int FAILED = 6;

    /** The consumer's side of a rebalance. */
    interface Listener
    {
        /** Every partition is being taken away: commit and stop. */
        void onRevoked();

        /** The partitions assigned in the new generation. */
        void onAssigned(Map<String, List<Integer>> partitions);
    }

    private static final byte[] NO_MEMBER_ID = new byte[0];

    private final RinglogClient client;
    private final Listener listener;
    private final String groupId;
    private final byte[] groupIdBytes;
    private final int sessionTimeoutMs;
    private final int rebalanceTimeoutMs;
    private final int heartbeatIntervalMs;
    private final long retryBackoffMs;
    private final JoinGroupResponseDecoder joinDecoder = new JoinGroupResponseDecoder();
    private final SyncGroupResponseDecoder syncDecoder = new SyncGroupResponseDecoder();
    private final HeartbeatResponseDecoder heartbeatDecoder = new HeartbeatResponseDecoder();
    private final HeartbeatListener heartbeatListener = new HeartbeatListener();
    private final Set<String> metadataPending = new HashSet<>();
    private final Set<String> metadataFailed = new HashSet<>();

    private List<String> topics = List.of();
    private Map<String, List<Integer>> owned = Map.of();
    private int state = INACTIVE;
    private String memberId = "";
    private byte[] memberIdBytes = NO_MEMBER_ID;
    private int generationId = -1;
    private String protocolName = ConsumerProtocol.RANGE_ASSIGNOR;
    private boolean leader;
    private Map<String, ConsumerProtocol.Subscription> memberSubscriptions = Map.of();
    private long retryAtMs;
    private long lastHeartbeatMs;
    private boolean heartbeatInFlight;
    private RinglogException failure;

    GroupMembership(final RinglogClient client, final Listener listener)
    {
        final ClientContext ctx = client.context();
        this.client = client;
        this.listener = listener;
        this.groupId = ctx.groupId();
        this.groupIdBytes = groupId.getBytes(StandardCharsets.UTF_8);
        this.sessionTimeoutMs = ctx.sessionTimeoutMs();
        this.rebalanceTimeoutMs = ctx.maxPollIntervalMs();
        this.heartbeatIntervalMs = ctx.heartbeatIntervalMs();
        this.retryBackoffMs = ctx.retryBackoffMs();
    }

    String groupId()
    {
        return groupId;
    }

    byte[] groupIdBytes()
    {
        return groupIdBytes;
    }

    String memberId()
    {
        return memberId;
    }

    byte[] memberIdBytes()
    {
        return memberIdBytes;
    }

    /** The generation the member is in, or -1 outside one (commits then carry -1, a "simple" commit). */
    int generationId()
    {
        return state == STABLE ? generationId : -1;
    }

    int state()
    {
        return state;
    }

    boolean isStable()
    {
        return state == STABLE;
    }

    boolean isLeader()
    {
        return leader;
    }

    /** A fatal group error (the coordinator refused the group for good), thrown by the consumer's next poll. */
    RinglogException takeFailure()
    {
        final RinglogException f = failure;
        failure = null;
        return f;
    }

    void subscribe(final List<String> topics)
    {
        this.topics = List.copyOf(topics);
        if (state == STABLE)
        {
            listener.onRevoked();
            owned = Map.of();
        }
        state = NEEDS_JOIN;
        retryAtMs = 0;
    }

    /** The session was lost: calls in flight failed; join again on the new one (same member id). */
    void onSessionLost()
    {
        if (state != INACTIVE && state != FAILED)
        {
            if (state == STABLE)
            {
                // The coordinator may still hold this member's generation: the next heartbeat says so. Until then
                // keep the assignment; the consumer re-subscribes its streams.
                heartbeatInFlight = false;
                return;
            }
            state = NEEDS_JOIN;
            retryAtMs = 0;
        }
    }

    int doWork(final long nowMs)
    {
        if (!client.proxy().isSessionOpen())
        {
            return 0;
        }
        switch (state)
        {
            case NEEDS_JOIN:
                return nowMs >= retryAtMs ? join() : 0;
            case NEEDS_SYNC:
                return nowMs >= retryAtMs ? sync(nowMs) : 0;
            case STABLE:
                if (!heartbeatInFlight && nowMs - lastHeartbeatMs >= heartbeatIntervalMs)
                {
                    if (client.proxy().heartbeat(generationId, groupIdBytes, memberIdBytes, heartbeatListener) > 0)
                    {
                        heartbeatInFlight = true;
                        lastHeartbeatMs = nowMs;
                        return 1;
                    }
                }
                return 0;
            default:
                return 0;
        }
    }

    private int join()
    {
        final List<Integer> none = List.of();
        final Map<String, List<Integer>> ownedNow = new LinkedHashMap<>();
        owned.forEach((t, p) -> ownedNow.put(t, p.isEmpty() ? none : p));
        final byte[] subscription = ConsumerProtocol.serializeSubscription(
            new ConsumerProtocol.Subscription(topics, ownedNow, null), ConsumerProtocol.SUBSCRIPTION_VERSION);
        final long id = client.proxy().joinGroup(sessionTimeoutMs, rebalanceTimeoutMs, groupIdBytes, memberIdBytes,
            ConsumerProtocol.RANGE_ASSIGNOR, subscription, new JoinListener());
        if (id > 0)
        {
            state = JOINING;
            return 1;
        }
        retryAtMs = client.nowMs() + retryBackoffMs;
        return 0;
    }

    private int sync(final long nowMs)
    {
        final String[] members;
        final byte[][] assignments;
        if (leader)
        {
            if (!resolveTopics())
            {
                return 0;
            }
            final Map<String, ConsumerProtocol.Assignment> result = RangeAssignor.assign(memberSubscriptions, topic ->
            {
                final TopicMetadata m = client.cachedMetadata(topic);
                return null == m ? 0 : m.partitionCount();
            });
            members = result.keySet().toArray(new String[0]);
            assignments = new byte[members.length][];
            for (int i = 0; i < members.length; i++)
            {
                assignments[i] = ConsumerProtocol.serializeAssignment(
                    result.get(members[i]), ConsumerProtocol.ASSIGNMENT_VERSION);
            }
        }
        else
        {
            members = new String[0];
            assignments = new byte[0][];
        }
        final long id = client.proxy().syncGroup(generationId, members, assignments, groupIdBytes, memberIdBytes,
            protocolName, rebalanceTimeoutMs, new SyncListener());
        if (id > 0)
        {
            state = SYNCING;
            return 1;
        }
        retryAtMs = nowMs + retryBackoffMs;
        return 0;
    }

    /** Ask metadata for every subscribed topic the leader does not know yet. @return true when all are known. */
    private boolean resolveTopics()
    {
        boolean all = true;
        for (final ConsumerProtocol.Subscription s : memberSubscriptions.values())
        {
            for (final String topic : s.topics())
            {
                if (null != client.cachedMetadata(topic) || metadataFailed.contains(topic))
                {
                    continue;
                }
                all = false;
                if (metadataPending.add(topic))
                {
                    final long id = client.requestMetadata(topic, errorCode ->
                    {
                        metadataPending.remove(topic);
                        if (errorCode != NativeErrors.NONE)
                        {
                            metadataFailed.add(topic); // unknown topic: assign nothing of it
                        }
                    });
                    if (id < 0)
                    {
                        metadataPending.remove(topic);
                    }
                }
            }
        }
        return all;
    }

    /** Leave the group (best effort: the coordinator would expire the member after its session timeout). */
    void leave()
    {
        if (!memberId.isEmpty() && client.proxy().isSessionOpen())
        {
            client.proxy().leaveGroup(groupIdBytes, memberIdBytes, new ResponseListener()
            {
                @Override
                public void onResponse(
                    final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
                {
                }

                @Override
                public void onError(final short errorCode, final String message)
                {
                }
            });
        }
        state = INACTIVE;
        memberId = "";
        memberIdBytes = NO_MEMBER_ID;
        owned = Map.of();
    }

    private void memberId(final String id)
    {
        memberId = id;
        memberIdBytes = id.isEmpty() ? NO_MEMBER_ID : id.getBytes(StandardCharsets.UTF_8);
    }

    private void rejoin(final short errorCode)
    {
        if (errorCode == NativeErrors.UNKNOWN_MEMBER_ID)
        {
            memberId("");
        }
        if (state == STABLE)
        {
            listener.onRevoked();
            owned = Map.of();
        }
        state = NEEDS_JOIN;
        retryAtMs = 0;
    }

    private void retryJoinLater(final short errorCode, final String what)
    {
        if (errorCode == NativeErrors.UNKNOWN_MEMBER_ID || errorCode == NativeErrors.ILLEGAL_GENERATION ||
            errorCode == NativeErrors.REBALANCE_IN_PROGRESS || errorCode == NativeErrors.MEMBER_ID_REQUIRED)
        {
            rejoin(errorCode);
            return;
        }
        if (NativeErrors.isRetriable(errorCode) || errorCode == NativeErrors.SESSION_CLOSED ||
            errorCode == NativeErrors.UNKNOWN_SESSION)
        {
            state = NEEDS_JOIN;
            retryAtMs = client.nowMs() + retryBackoffMs;
            return;
        }
        state = FAILED;
        failure = new RinglogException(errorCode, what + " for group " + groupId + " failed");
    }

    private final class JoinListener implements ResponseListener
    {
        @Override
        public void onResponse(
            final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
        {
            final JoinGroupResponseDecoder d = joinDecoder.wrap(buffer, offset, blockLength, version);
            final short errorCode = d.errorCode();
            final int generation = d.generationId();
            final Map<String, ConsumerProtocol.Subscription> subscriptions = new LinkedHashMap<>();
            RuntimeException badMember = null;
            for (final JoinGroupResponseDecoder.MembersDecoder m : d.members())
            {
                final String member = m.memberId();
                final byte[] metadata = new byte[m.metadataLength()];
                m.getMetadata(metadata, 0, metadata.length);
                try
                {
                    subscriptions.put(member, ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata)));
                }
                catch (final IllegalArgumentException ex)
                {
                    badMember = ex;
                }
            }
            final String protocol = d.protocolName();
            final String leaderId = d.leaderId();
            final String assignedMemberId = d.memberId();
            if (errorCode == NativeErrors.MEMBER_ID_REQUIRED)
            {
                memberId(assignedMemberId);
                state = NEEDS_JOIN;
                retryAtMs = 0;
                return;
            }
            if (errorCode != NativeErrors.NONE)
            {
                retryJoinLater(errorCode, "JoinGroup");
                return;
            }
            if (null != badMember)
            {
                client.context().errorHandler().onError(badMember);
            }
            memberId(assignedMemberId);
            generationId = generation;
            protocolName = protocol.isEmpty() ? ConsumerProtocol.RANGE_ASSIGNOR : protocol;
            leader = assignedMemberId.equals(leaderId);
            memberSubscriptions = subscriptions;
            metadataFailed.clear();
            state = NEEDS_SYNC;
            retryAtMs = 0;
        }

        @Override
        public void onError(final short errorCode, final String message)
        {
            retryJoinLater(errorCode, "JoinGroup");
        }
    }

    private final class SyncListener implements ResponseListener
    {
        @Override
        public void onResponse(
            final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
        {
            final SyncGroupResponseDecoder d = syncDecoder.wrap(buffer, offset, blockLength, version);
            final short errorCode = d.errorCode();
            final byte[] bytes = new byte[d.assignmentLength()];
            d.getAssignment(bytes, 0, bytes.length);
            if (errorCode != NativeErrors.NONE)
            {
                retryJoinLater(errorCode, "SyncGroup");
                return;
            }
            final Map<String, List<Integer>> partitions;
            try
            {
                partitions = bytes.length == 0 ? Map.of() :
                    ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(bytes)).partitions();
            }
            catch (final IllegalArgumentException ex)
            {
                client.context().errorHandler().onError(ex);
                rejoin(NativeErrors.NONE);
                return;
            }
            final Map<String, List<Integer>> copy = new LinkedHashMap<>();
            partitions.forEach((t, p) -> copy.put(t, new ArrayList<>(p)));
            owned = copy;
            state = STABLE;
            lastHeartbeatMs = client.nowMs();
            heartbeatInFlight = false;
            listener.onAssigned(copy);
        }

        @Override
        public void onError(final short errorCode, final String message)
        {
            retryJoinLater(errorCode, "SyncGroup");
        }
    }

    private final class HeartbeatListener implements ResponseListener
    {
        @Override
        public void onResponse(
            final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
        {
            heartbeatInFlight = false;
            final short errorCode = heartbeatDecoder.wrap(buffer, offset, blockLength, version).errorCode();
            if (state != STABLE || errorCode == NativeErrors.NONE)
            {
                return;
            }
            if (errorCode == NativeErrors.REBALANCE_IN_PROGRESS || errorCode == NativeErrors.UNKNOWN_MEMBER_ID ||
                errorCode == NativeErrors.ILLEGAL_GENERATION)
            {
                rejoin(errorCode);
            }
        }

        @Override
        public void onError(final short errorCode, final String message)
        {
            heartbeatInFlight = false;
            if (state == STABLE && (errorCode == NativeErrors.UNKNOWN_MEMBER_ID ||
                errorCode == NativeErrors.ILLEGAL_GENERATION || errorCode == NativeErrors.REBALANCE_IN_PROGRESS))
            {
                rejoin(errorCode);
            }
        }
    }
}
