package io.ringlog.replication.codec;

/** A message or snapshot that cannot be decoded: truncated, corrupt, or of an unknown type. */
public final class CodecException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public CodecException(final String message)
    {
        super(message);
    }
}
