package io.ringlog.transport.kafka.protocol;

import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class KafkaMessagesTest
{
    @Test
    void headerVersionTablesAgreeWithApiKeys()
    {
        for (final ApiKeys key : ApiKeys.values())
        {
            assertEquals(key.hasValidVersion(), KafkaApis.isKnown(key.id), key.name);
            if (!key.hasValidVersion())
            {
                continue;
            }
            // Beyond the known range too: a newer client's header must still be readable.
            for (short version = 0; version <= key.latestVersion(true) + 3; version++)
            {
                assertEquals(key.requestHeaderVersion(version), KafkaApis.requestHeaderVersion(key.id, version),
                    key + " v" + version);
                assertEquals(key.responseHeaderVersion(version), KafkaApis.responseHeaderVersion(key.id, version),
                    key + " v" + version);
            }
            assertEquals(key.name, KafkaApis.name(key.id));
        }
        assertFalse(KafkaApis.isKnown(-1));
        assertFalse(KafkaApis.isKnown(4)); // LeaderAndIsr: every version removed in 4.0
        assertFalse(KafkaApis.isKnown(10_000));
        assertEquals(-1, KafkaApis.requestHeaderVersion((short)10_000, (short)0));
    }

    @Test
    void requestRoundTripsThroughTheGeneratedClasses()
    {
        final MetadataRequestData request = new MetadataRequestData()
            .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("a")))
            .setAllowAutoTopicCreation(false);
        for (short version = 4; version <= ApiKeys.METADATA.latestVersion(); version++)
        {
            final ByteBuffer frame = KafkaMessages.serializeRequest(request, version, 42, "client");
            assertEquals(frame.remaining() - 4, frame.getInt(0));
            frame.position(4);
            final RequestHeader header = RequestHeader.parse(frame);
            assertEquals(42, header.correlationId());
            assertEquals("client", header.clientId());
            final ApiMessage parsed = KafkaMessages.parseRequest(KafkaApis.METADATA, version, frame);
            assertEquals("a", ((MetadataRequestData)parsed).topics().get(0).name());
        }
    }

    @Test
    void responsesUseHeaderV1WhenFlexibleAndV0ForApiVersions()
    {
        final MetadataResponseData metadata = new MetadataResponseData().setClusterId("c");
        final ByteBuffer flexible = KafkaMessages.serializeResponse(metadata, (short)12, 7);
        final ByteBuffer old = KafkaMessages.serializeResponse(metadata, (short)8, 7);
        // Header v1 carries one byte of (empty) tagged fields more than header v0.
        assertEquals(7, flexible.getInt(4));
        assertEquals(0, flexible.get(8));
        flexible.position(4);
        assertEquals(7, ResponseHeader.parse(flexible, (short)1).correlationId());
        assertEquals("c", ((MetadataResponseData)KafkaMessages.parseResponse(
            KafkaApis.METADATA, (short)12, flexible)).clusterId());
        old.position(8);
        assertEquals("c", ((MetadataResponseData)KafkaMessages.parseResponse(
            KafkaApis.METADATA, (short)8, old)).clusterId());

        final SupportedApis apis = SupportedApis.builder().add(KafkaApis.API_VERSIONS, (short)0, (short)4).build();
        final ByteBuffer apiVersions = new ApiVersionsResponseBuilder(apis).buildFrame((short)4, 9);
        apiVersions.position(8); // length prefix and correlation id only: header v0
        final ApiVersionsResponse parsed = ApiVersionsResponse.parse(
            new org.apache.kafka.common.protocol.ByteBufferAccessor(apiVersions), (short)4);
        assertEquals(Errors.NONE.code(), parsed.data().errorCode());
        assertEquals(4, parsed.apiVersion(ApiKeys.API_VERSIONS.id).maxVersion());
    }

    @Test
    void errorResponseFollowsEachApisOwnRule()
    {
        final ByteBuffer frame = KafkaMessages.serializeRequest(
            new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("x"))),
            (short)9, 1, "c");
        frame.position(4);
        RequestHeader.parse(frame);
        final ApiMessage error = KafkaMessages.errorResponse(
            KafkaApis.METADATA, (short)9, frame, KafkaApis.UNSUPPORTED_VERSION_ERROR);
        final MetadataResponseData data = (MetadataResponseData)error;
        assertEquals(KafkaApis.UNSUPPORTED_VERSION_ERROR, data.topics().find("x").errorCode());
        assertNotNull(KafkaMessages.serializeResponse(error, (short)9, 1));
    }

    @Test
    void malformedInputThrowsTheTypedException()
    {
        assertThrows(MalformedMessageException.class,
            () -> KafkaMessages.parseRequest(KafkaApis.METADATA, (short)12, ByteBuffer.wrap(new byte[]{ 5 })));
        assertThrows(MalformedMessageException.class,
            () -> KafkaMessages.parseRequest(KafkaApis.PRODUCE, (short)2, ByteBuffer.allocate(10)));
        assertThrows(MalformedMessageException.class,
            () -> KafkaMessages.serializeResponse(new ProduceResponseData(), (short)99, 1));
    }

    @Test
    void supportedApisTableIsCheckedAndAnswersApiVersions()
    {
        assertThrows(IllegalArgumentException.class, () -> SupportedApis.builder().build());
        assertThrows(IllegalArgumentException.class,
            () -> SupportedApis.builder().add(KafkaApis.PRODUCE, (short)2, (short)13));
        assertThrows(IllegalArgumentException.class,
            () -> SupportedApis.builder().add(KafkaApis.PRODUCE, (short)3, (short)14));
        assertThrows(IllegalArgumentException.class, () -> SupportedApis.builder().add((short)4, (short)0, (short)0));
        assertThrows(IllegalArgumentException.class,
            () -> SupportedApis.builder().addAllVersions(KafkaApis.FETCH).addAllVersions(KafkaApis.FETCH));

        final SupportedApis apis = SupportedApis.builder()
            .add(KafkaApis.API_VERSIONS, (short)0, (short)3)
            .add(KafkaApis.PRODUCE, (short)3, (short)12)
            .addAllVersions(KafkaApis.METADATA)
            .build();
        assertTrue(apis.isSupported(KafkaApis.PRODUCE, (short)12));
        assertFalse(apis.isSupported(KafkaApis.PRODUCE, (short)13));
        assertFalse(apis.isSupported(KafkaApis.FETCH, (short)12));
        assertFalse(apis.isSupported((short)-1, (short)0));
        assertFalse(apis.isSupported((short)500, (short)0));

        final ApiVersionsResponseData data = (ApiVersionsResponseData)new ApiVersionsResponseBuilder(apis)
            .throttleTimeMs(5)
            .supportedFeature("transaction.version", (short)0, (short)2)
            .finalizedFeature("transaction.version", (short)2, (short)2)
            .finalizedFeaturesEpoch(3)
            .build();
        assertEquals(3, data.apiKeys().size());
        assertEquals(12, data.apiKeys().find(KafkaApis.PRODUCE).maxVersion());
        assertEquals(ApiKeys.METADATA.latestVersion(), data.apiKeys().find(KafkaApis.METADATA).maxVersion());
        assertEquals(5, data.throttleTimeMs());
        assertEquals(2, data.finalizedFeatures().find("transaction.version").maxVersionLevel());
    }

    /** Kafka 4 advertises Produce from v0 (KAFKA-18659) and still refuses v0-v2: only the answer changes. */
    @Test
    void advertisedMinimumChangesTheAnswerNotWhatIsAccepted()
    {
        final SupportedApis apis = SupportedApis.builder()
            .addAllVersions(KafkaApis.API_VERSIONS)
            .add(KafkaApis.PRODUCE, (short)3, (short)13)
            .advertiseFrom(KafkaApis.PRODUCE, ApiKeys.PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION)
            .build();
        assertEquals(0, apis.advertisedMinVersion(KafkaApis.PRODUCE));
        assertEquals(3, apis.minVersion(KafkaApis.PRODUCE));
        assertFalse(apis.isSupported(KafkaApis.PRODUCE, (short)0));
        assertFalse(apis.isSupported(KafkaApis.PRODUCE, (short)2));
        assertTrue(apis.isSupported(KafkaApis.PRODUCE, (short)3));
        assertEquals(0, apis.advertisedMinVersion(KafkaApis.API_VERSIONS), "not moved: its own minimum");

        final ApiVersionsResponseData data = (ApiVersionsResponseData)new ApiVersionsResponseBuilder(apis).build();
        assertEquals(0, data.apiKeys().find(KafkaApis.PRODUCE).minVersion());
        assertEquals(13, data.apiKeys().find(KafkaApis.PRODUCE).maxVersion());

        assertThrows(IllegalArgumentException.class,
            () -> SupportedApis.builder().advertiseFrom(KafkaApis.PRODUCE, (short)0), "not added yet");
        assertThrows(IllegalArgumentException.class, () -> SupportedApis.builder()
            .add(KafkaApis.PRODUCE, (short)3, (short)13).advertiseFrom(KafkaApis.PRODUCE, (short)4));
        assertThrows(IllegalArgumentException.class, () -> SupportedApis.builder()
            .add(KafkaApis.PRODUCE, (short)3, (short)13).advertiseFrom(KafkaApis.PRODUCE, (short)-1));
    }

    /** Versions kafka-clients marks unstable (InitProducerId v6 in 4.4) are listed only when asked for. */
    @Test
    void unstableVersionsOnlyWhenEnabled()
    {
        final short initProducerId = ApiKeys.INIT_PRODUCER_ID.id;
        final SupportedApis stable = SupportedApis.builder().addAllVersions(KafkaApis.API_VERSIONS)
            .addAllVersions(initProducerId).build();
        final SupportedApis all = SupportedApis.builder().addAllVersions(KafkaApis.API_VERSIONS)
            .addAllVersions(initProducerId, true).build();
        assertEquals(ApiKeys.INIT_PRODUCER_ID.latestVersion(false), stable.maxVersion(initProducerId));
        assertEquals(ApiKeys.INIT_PRODUCER_ID.latestVersion(true), all.maxVersion(initProducerId));
        for (final ApiKeys key : ApiKeys.values())
        {
            if (key.hasValidVersion())
            {
                assertEquals(key.latestVersion(false), KafkaApis.latestStableVersion(key.id), key.name);
            }
        }
    }

    @Test
    void unsupportedApiVersionsIsAnsweredInV0WithTheApiVersionsRange()
    {
        final SupportedApis apis = SupportedApis.builder().add(KafkaApis.API_VERSIONS, (short)0, (short)3).build();
        final ByteBuffer frame = ApiVersionsResponseBuilder.unsupportedVersionFrame(apis, 77);
        assertEquals(frame.remaining() - 4, frame.getInt(0));
        assertEquals(77, frame.getInt(4));
        frame.position(8);
        final ApiVersionsResponseData data = (ApiVersionsResponseData)KafkaMessages.parseResponse(
            KafkaApis.API_VERSIONS, (short)0, frame);
        assertEquals(Errors.UNSUPPORTED_VERSION.code(), data.errorCode());
        assertEquals(1, data.apiKeys().size());
        assertEquals(3, data.apiKeys().find(KafkaApis.API_VERSIONS).maxVersion());
        assertFalse(frame.hasRemaining());
        assertNotNull(new ApiVersionsRequestData());
    }
}
