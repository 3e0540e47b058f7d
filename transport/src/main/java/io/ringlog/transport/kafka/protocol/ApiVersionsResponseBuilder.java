package io.ringlog.transport.kafka.protocol;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKeyCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKeyCollection;
import org.apache.kafka.common.protocol.ApiMessage;

import java.nio.ByteBuffer;

/**
 * Builds the ApiVersions answer from the broker's {@link SupportedApis} table and, optionally,
 * its feature versions. The broker decides the content; this class only knows the wire rules
 * (ApiVersions responses always use response header v0, whatever their version).
 * <p>
 * <b>Thread:</b> not thread-safe while being configured; {@link #build()} and
 * {@link #buildFrame(short, int)} create new objects each time and may then be called from any
 * one thread at a time.
 */
public final class ApiVersionsResponseBuilder
{
    private final SupportedApis apis;
    private final SupportedFeatureKeyCollection supportedFeatures = new SupportedFeatureKeyCollection();
    private final FinalizedFeatureKeyCollection finalizedFeatures = new FinalizedFeatureKeyCollection();
    private long finalizedFeaturesEpoch = -1;
    private int throttleTimeMs;

    /**
     * @param apis what the broker implements.
     */
    public ApiVersionsResponseBuilder(final SupportedApis apis)
    {
        this.apis = apis;
    }

    /**
     * @param throttleTimeMs throttle time to report (v1+).
     * @return this.
     */
    public ApiVersionsResponseBuilder throttleTimeMs(final int throttleTimeMs)
    {
        this.throttleTimeMs = throttleTimeMs;
        return this;
    }

    /**
     * Add a feature the broker supports (v3+ tagged field), e.g. "transaction.version".
     *
     * @param name       feature name.
     * @param minVersion lowest supported level.
     * @param maxVersion highest supported level.
     * @return this.
     */
    public ApiVersionsResponseBuilder supportedFeature(final String name, final short minVersion, final short maxVersion)
    {
        supportedFeatures.add(new SupportedFeatureKey().setName(name).setMinVersion(minVersion).setMaxVersion(maxVersion));
        return this;
    }

    /**
     * Add a feature level finalized in the cluster (v3+ tagged field).
     *
     * @param name            feature name.
     * @param minVersionLevel lowest finalized level.
     * @param maxVersionLevel highest finalized level.
     * @return this.
     */
    public ApiVersionsResponseBuilder finalizedFeature(
        final String name, final short minVersionLevel, final short maxVersionLevel)
    {
        finalizedFeatures.add(new FinalizedFeatureKey()
            .setName(name).setMinVersionLevel(minVersionLevel).setMaxVersionLevel(maxVersionLevel));
        return this;
    }

    /**
     * @param epoch epoch of the finalized features (v3+ tagged field), -1 if unknown.
     * @return this.
     */
    public ApiVersionsResponseBuilder finalizedFeaturesEpoch(final long epoch)
    {
        this.finalizedFeaturesEpoch = epoch;
        return this;
    }

    /**
     * @return a successful ApiVersionsResponseData listing every api in the table.
     */
    public ApiMessage build()
    {
        final ApiVersionCollection keys = new ApiVersionCollection();
        for (final short key : apis.apiKeys())
        {
            keys.add(new ApiVersion()
                .setApiKey(key)
                .setMinVersion(apis.advertisedMinVersion(key))
                .setMaxVersion(apis.maxVersion(key)));
        }
        return new ApiVersionsResponseData()
            .setErrorCode((short)0)
            .setApiKeys(keys)
            .setThrottleTimeMs(throttleTimeMs)
            .setSupportedFeatures(supportedFeatures.duplicate())
            .setFinalizedFeatures(finalizedFeatures.duplicate())
            .setFinalizedFeaturesEpoch(finalizedFeaturesEpoch);
    }

    /**
     * @param version       of the ApiVersions request being answered (supported by the table).
     * @param correlationId of the request.
     * @return the whole frame, ready to send.
     */
    public ByteBuffer buildFrame(final short version, final int correlationId)
    {
        return KafkaMessages.serializeResponse(build(), version, correlationId);
    }

    /**
     * Kafka's answer to an ApiVersions request at a version the broker does not support (KIP-511):
     * an ApiVersionsResponse <em>v0</em>, which every client can read, with error
     * UNSUPPORTED_VERSION (35) and the broker's ApiVersions range, so that the client retries with
     * the highest version both sides know.
     *
     * @param apis          the broker's table (it always contains ApiVersions).
     * @param correlationId of the request.
     * @return the whole frame, ready to send.
     */
    public static ByteBuffer unsupportedVersionFrame(final SupportedApis apis, final int correlationId)
    {
        final short key = KafkaApis.API_VERSIONS;
        final ApiVersionCollection keys = new ApiVersionCollection();
        keys.add(new ApiVersion().setApiKey(key).setMinVersion(apis.minVersion(key)).setMaxVersion(apis.maxVersion(key)));
        final ApiVersionsResponseData data = new ApiVersionsResponseData()
            .setErrorCode(KafkaApis.UNSUPPORTED_VERSION_ERROR)
            .setApiKeys(keys);
        return KafkaMessages.serializeResponse(data, (short)0, correlationId);
    }
}
