package io.ringlog.perf.latency;

/**
 * What one maximum-throughput run of one target measured. Immutable.
 *
 * @param target        the target's name.
 * @param messageLength message size, bytes.
 * @param measureNs     the measured window, as timed.
 * @param received      messages received in the window.
 * @param rate          received / window, messages/s.
 * @param backPressured sends the target refused in the window.
 * @param lost          messages sent in the whole run that never came back after the drain.
 * @param outOfOrder    messages that arrived with a sequence other than the one expected.
 * @param harnessBytes  bytes the harness thread allocated in the window.
 */
public record ThroughputResult(
    String target, int messageLength, long measureNs, long received, double rate, long backPressured, long lost,
    long outOfOrder, long harnessBytes)
{
    /**
     * @return message bytes received per second, in MB/s (10^6 bytes).
     */
    public double megabytesPerSecond()
    {
        return rate * messageLength / 1e6;
    }

    /**
     * @return bytes the harness thread allocated per message received in the window.
     */
    public double bytesPerMessage()
    {
        return received == 0 ? Double.NaN : (double)harnessBytes / received;
    }
}
