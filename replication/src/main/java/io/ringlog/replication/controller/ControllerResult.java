package io.ringlog.replication.controller;

import io.ringlog.replication.metadata.MetadataRecord;

import java.util.List;

/**
 * What one command did: the records it appended (empty when refused or validate-only) and the reply.
 */
public record ControllerResult(List<MetadataRecord> records, Reply reply)
{
    public ControllerResult
    {
        records = List.copyOf(records);
    }

    static ControllerResult refuse(final ControllerError error, final String message)
    {
        return new ControllerResult(List.of(), Reply.error(error, message));
    }
}
