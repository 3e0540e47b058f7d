package io.ringlog.perf.latency;

import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The targets {@code --target} knows by name; any other name is taken as the class name of a {@link LatencyTarget}
 * with a public no-argument constructor, so a target in another module plugs in without a change here.
 */
public final class Targets
{
    /** The anchors, run when no {@code --target} is given. */
    public static final List<String> ANCHORS = List.of("aeron-ipc-pingpong", "aeron-ipc-oneway", "chronicle");

    private static final Map<String, Supplier<LatencyTarget>> BUILT_IN = new LinkedHashMap<>();

    static
    {
        BUILT_IN.put("aeron-ipc-pingpong", AeronIpcPingPong::new);
        BUILT_IN.put("aeron-ipc-oneway", AeronIpcOneWay::new);
        BUILT_IN.put("chronicle", ChronicleAppendTail::new);
        BUILT_IN.put("loopback", LoopbackTarget::new);
        BUILT_IN.put("ringlog-ipc-same-host", RinglogIpcTarget::new);
        BUILT_IN.put("ringlog-ipc-consumer", RinglogIpcConsumerTarget::new);
        BUILT_IN.put("ringlog-udp", RinglogUdpTarget::new);
    }

    private Targets()
    {
    }

    /**
     * @return the names of the built-in targets.
     */
    public static List<String> names()
    {
        return List.copyOf(BUILT_IN.keySet());
    }

    /**
     * @param nameOrClass a built-in name or a class name.
     * @return a new, unstarted target.
     * @throws IllegalArgumentException if there is no such target.
     */
    public static LatencyTarget create(final String nameOrClass)
    {
        final Supplier<LatencyTarget> builtIn = BUILT_IN.get(nameOrClass);
        if (null != builtIn)
        {
            return builtIn.get();
        }
        try
        {
            final Class<?> type = Class.forName(nameOrClass);
            if (!LatencyTarget.class.isAssignableFrom(type))
            {
                throw new IllegalArgumentException(nameOrClass + " is not a " + LatencyTarget.class.getName());
            }
            return (LatencyTarget)type.getConstructor().newInstance();
        }
        catch (final ClassNotFoundException ex)
        {
            throw new IllegalArgumentException("unknown target " + nameOrClass + ": not one of " + names()
                + " nor a class on the classpath", ex);
        }
        catch (final NoSuchMethodException | InstantiationException | IllegalAccessException |
            InvocationTargetException ex)
        {
            throw new IllegalArgumentException("cannot make target " + nameOrClass + ": " + ex, ex);
        }
    }
}
