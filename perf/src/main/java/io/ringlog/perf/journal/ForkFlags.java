package io.ringlog.perf.journal;

/**
 * JVM flags for the forked benchmark JVMs, as compile-time constants for
 * {@code @Fork(jvmArgsAppend = ...)}. shared/VERSIONS.md says why each is needed.
 */
public final class ForkFlags
{
    /** Fixed heap, so GC sizing does not drift between iterations. */
    public static final String HEAP_MIN = "-Xms1g";
    /** Fixed heap, so GC sizing does not drift between iterations. */
    public static final String HEAP_MAX = "-Xmx1g";
    /** Agrona's Unsafe access; the journal is built on Agrona. */
    public static final String AGRONA = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    /**
     * Lets Agrona's Crc32c reach the JVM's CRC32C intrinsic on off-heap memory; without it the
     * journal's CRC check falls back to a copying path.
     */
    public static final String CRC32C = "--add-opens=java.base/java.util.zip=ALL-UNNAMED";
    /**
     * JDK 24+ asks for the next two flags and JDK 17 refuses the first of them; this makes 17
     * ignore it, so one jar runs on both (it also hides a misspelt -XX flag: keep the list short).
     */
    public static final String IGNORE_UNKNOWN = "-XX:+IgnoreUnrecognizedVMOptions";
    /** JDK 24+: allow sun.misc.Unsafe memory access without a warning. */
    public static final String UNSAFE_ALLOW = "--sun-misc-unsafe-memory-access=allow";
    /** JDK 24+: allow JNI / FFM without a warning (Chronicle's JNA and jffi). */
    public static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    /** Chronicle Bytes: reflection into java.lang.reflect; fails under -ea without it. */
    public static final String CHRONICLE_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    /** Chronicle Bytes: sun.nio.ch internals for mapping. */
    public static final String CHRONICLE_NIO_CH_EXPORTS = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    /** Chronicle Bytes: cleaners. */
    public static final String CHRONICLE_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    /** Chronicle Bytes: direct buffer fields. */
    public static final String CHRONICLE_NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    /** Chronicle Bytes: FileChannelImpl internals. */
    public static final String CHRONICLE_NIO_CH_OPENS = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
    /** Chronicle Core: java.lang internals. */
    public static final String CHRONICLE_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    /** No usage reporting from a benchmark (and no network attempt). */
    public static final String CHRONICLE_NO_ANALYTICS = "-Dchronicle.analytics.disable=true";

    private ForkFlags()
    {
    }
}
