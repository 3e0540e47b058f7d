package io.ringlog.replication.quorum;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;

/**
 * The voters of the controller quorum, parsed from Kafka's {@code controller.quorum.voters} syntax
 * ({@code id@host:port,id@host:port,...}), and every Aeron endpoint a member needs, derived from its one base port:
 * <pre>
 *   port + 0  client ingress (brokers' AeronCluster connects here)
 *   port + 1  consensus (Raft votes, appends, heartbeats between members)
 *   port + 2  log (the leader's log publication to followers)
 *   port + 3  catch-up (a lagging follower's replay from the leader)
 *   port + 4  archive control (followers' archives replicate log and snapshots from it)
 * </pre>
 * Everything else a member uses (egress to brokers, archive replication, control responses) is on an ephemeral port
 * ({@code :0}) or IPC. Immutable.
 */
public final class QuorumVoters
{
    /** The key the voter list is known by, named in every error about it. */
    public static final String KEY = "controller.quorum.voters";

    public static final int INGRESS_OFFSET = 0;
    public static final int CONSENSUS_OFFSET = 1;
    public static final int LOG_OFFSET = 2;
    public static final int CATCHUP_OFFSET = 3;
    public static final int ARCHIVE_CONTROL_OFFSET = 4;
    /** Ports taken per voter from its base port. */
    public static final int PORTS_PER_VOTER = 5;

    /** One voter. */
    public record Voter(int id, String host, int port)
    {
        public String endpoint(final int offset)
        {
            return host + ":" + (port + offset);
        }
    }

    private final List<Voter> voters;

    private QuorumVoters(final List<Voter> voters)
    {
        this.voters = Collections.unmodifiableList(voters);
    }

    /**
     * Parse {@code id@host:port,...}.
     *
     * @throws IllegalArgumentException naming {@link #KEY} when empty, malformed or with a duplicate id.
     */
    public static QuorumVoters parse(final String value)
    {
        if (null == value || value.isBlank())
        {
            throw new IllegalArgumentException(KEY + " is empty: expected id@host:port[,id@host:port...]");
        }
        final TreeMap<Integer, Voter> byId = new TreeMap<>();
        for (final String raw : value.split(","))
        {
            final String entry = raw.trim();
            final int at = entry.indexOf('@');
            final int colon = entry.lastIndexOf(':');
            if (at <= 0 || colon <= at + 1 || colon == entry.length() - 1)
            {
                throw new IllegalArgumentException(KEY + ": '" + entry + "' is not id@host:port (in '" + value + "')");
            }
            final int id;
            final int port;
            try
            {
                id = Integer.parseInt(entry.substring(0, at));
                port = Integer.parseInt(entry.substring(colon + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(KEY + ": '" + entry + "' has a non-numeric id or port", ex);
            }
            if (id < 0 || port <= 0 || port + PORTS_PER_VOTER - 1 > 65535)
            {
                throw new IllegalArgumentException(KEY + ": '" + entry + "' needs id >= 0 and a base port with " +
                    PORTS_PER_VOTER + " ports free above it (port .. port+" + (PORTS_PER_VOTER - 1) + " <= 65535)");
            }
            final String host = entry.substring(at + 1, colon);
            if (null != byId.put(id, new Voter(id, host, port)))
            {
                throw new IllegalArgumentException(KEY + ": duplicate voter id " + id + " in '" + value + "'");
            }
        }
        return new QuorumVoters(new ArrayList<>(byId.values()));
    }

    /** Voters in id order. */
    public List<Voter> voters()
    {
        return voters;
    }

    public Voter voter(final int id)
    {
        for (final Voter v : voters)
        {
            if (v.id() == id)
            {
                return v;
            }
        }
        return null;
    }

    /** Aeron Cluster's member list: {@code id,ingress,consensus,log,catchup,archive|...}. */
    public String clusterMembers()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Voter v : voters)
        {
            if (sb.length() > 0)
            {
                sb.append('|');
            }
            sb.append(v.id()).append(',')
                .append(v.endpoint(INGRESS_OFFSET)).append(',')
                .append(v.endpoint(CONSENSUS_OFFSET)).append(',')
                .append(v.endpoint(LOG_OFFSET)).append(',')
                .append(v.endpoint(CATCHUP_OFFSET)).append(',')
                .append(v.endpoint(ARCHIVE_CONTROL_OFFSET));
        }
        return sb.toString();
    }

    /** AeronCluster's client ingress endpoints: {@code id=host:port,...}. */
    public String ingressEndpoints()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Voter v : voters)
        {
            if (sb.length() > 0)
            {
                sb.append(',');
            }
            sb.append(v.id()).append('=').append(v.endpoint(INGRESS_OFFSET));
        }
        return sb.toString();
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        for (final Voter v : voters)
        {
            if (sb.length() > 0)
            {
                sb.append(',');
            }
            sb.append(v.id()).append('@').append(v.host()).append(':').append(v.port());
        }
        return sb.toString();
    }
}
