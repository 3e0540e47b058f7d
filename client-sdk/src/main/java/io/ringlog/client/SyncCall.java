package io.ringlog.client;

import io.ringlog.transport.nativeproto.NativeErrors;
import org.agrona.DirectBuffer;

/**
 * A {@link ResponseListener} that a synchronous call waits on with {@link RinglogClient#call}. Subclasses decode
 * the answer's fields they need and return its error code. Reusable: {@link RinglogClient#call} resets it.
 * Owned by the client's thread.
 */
public abstract class SyncCall implements ResponseListener
{
    private boolean done;
    private short errorCode;
    private String errorMessage;

    /**
     * Decode the answer.
     *
     * @return the answer's error code ({@link NativeErrors#NONE} on success).
     */
    protected abstract short decode(int templateId, DirectBuffer buffer, int offset, int blockLength, int version);

    @Override
    public final void onResponse(
        final int templateId, final DirectBuffer buffer, final int offset, final int blockLength, final int version)
    {
        errorCode = decode(templateId, buffer, offset, blockLength, version);
        errorMessage = null;
        done = true;
    }

    @Override
    public final void onError(final short errorCode, final String message)
    {
        this.errorCode = errorCode;
        this.errorMessage = message;
        done = true;
    }

    void reset()
    {
        done = false;
        errorCode = NativeErrors.NONE;
        errorMessage = null;
    }

    public final boolean isDone()
    {
        return done;
    }

    public final short errorCode()
    {
        return errorCode;
    }

    /** The broker's or the client's explanation of a failure; null on success or when the answer carried none. */
    public final String errorMessage()
    {
        return errorMessage;
    }
}
