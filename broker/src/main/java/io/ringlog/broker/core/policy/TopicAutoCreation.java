package io.ringlog.broker.core.policy;

import io.ringlog.broker.core.config.BrokerConfig;
import io.ringlog.broker.core.errors.ErrorCodes;
import io.ringlog.broker.core.metadata.Controller;
import io.ringlog.broker.core.metadata.MetadataException;
import io.ringlog.broker.core.metadata.MetadataImage.TopicImage;

import java.util.Map;

/**
 * A topic looked up by name, created on the way when {@code auto.create.topics.enable} says so: Kafka's rules, in
 * one place for both edges (a Kafka Metadata request, a native MetadataRequest). Internal topics ({@code __*}) are
 * never auto-created; a creation that races another for the same name finds the winner's topic.
 * <p>
 * Thread: the admin thread (a creation blocks on the controller and opens files); stateless apart from its
 * collaborators, which are thread-safe.
 */
public final class TopicAutoCreation
{
    private final Controller controller;
    private final boolean enabled;

    public TopicAutoCreation(final Controller controller, final BrokerConfig config)
    {
        this.controller = controller;
        this.enabled = config.get(BrokerConfig.AUTO_CREATE_TOPICS);
    }

    /**
     * The topic, or why there is none.
     *
     * @param topic     the topic, or null.
     * @param errorCode {@link ErrorCodes#NONE} with a topic, else UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION
     *                  or the controller's refusal.
     */
    public record Result(TopicImage topic, short errorCode)
    {
    }

    /** The current metadata image (one volatile read): where the edges find a partition's leader. Any thread. */
    public io.ringlog.broker.core.metadata.MetadataImage image()
    {
        return controller.image();
    }

    /**
     * @param name            the topic's name.
     * @param allowAutoCreate whether the asker allows creation (Kafka's Metadata request says; the native client
     *                        always does); the broker's {@code auto.create.topics.enable} must allow it too.
     */
    public Result lookUp(final String name, final boolean allowAutoCreate)
    {
        final TopicImage topic = controller.image().topic(name);
        if (topic != null)
        {
            return new Result(topic, ErrorCodes.NONE);
        }
        if (allowAutoCreate && enabled && !isInternal(name))
        {
            try
            {
                return new Result(controller.createTopic(name, -1, -1, Map.of(), false), ErrorCodes.NONE);
            }
            catch (final MetadataException ex)
            {
                if (ex.reason() == MetadataException.Reason.TOPIC_ALREADY_EXISTS) // raced with another creation
                {
                    return new Result(controller.image().topic(name), ErrorCodes.NONE);
                }
                return new Result(null, ErrorCodes.ofMetadata(ex.reason()));
            }
        }
        return new Result(null, isLegal(name) ? ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION :
            ErrorCodes.INVALID_TOPIC_EXCEPTION);
    }

    private static boolean isInternal(final String name)
    {
        return name != null && name.startsWith("__");
    }

    private static boolean isLegal(final String name)
    {
        return name != null && !name.isEmpty() && name.length() <= 249 && name.matches("[a-zA-Z0-9._-]+") &&
            !".".equals(name) && !"..".equals(name);
    }
}
