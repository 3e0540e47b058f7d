package io.ringlog.tools.records;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** How a consumed record is printed, one line each. Keys, values and headers are read as UTF-8. */
public enum RecordFormat
{
    /** The value alone. */
    VALUE("value"),
    /** Key, separator, value: the form {@code ringlog produce --keys} reads back. */
    KEY_VALUE("key-value"),
    /** One JSON object: topic, partition, offset, timestamp, key, value, headers. */
    JSON("json");

    private final String label;

    RecordFormat(final String label)
    {
        this.label = label;
    }

    @Override
    public String toString()
    {
        return label;
    }

    /** The line for one record; {@code keySeparator} is used by {@link #KEY_VALUE}. */
    public String format(final ConsumerRecord<byte[], byte[]> r, final String keySeparator)
    {
        return switch (this)
        {
            case VALUE -> text(r.value());
            case KEY_VALUE -> text(r.key()) + keySeparator + text(r.value());
            case JSON -> json(r);
        };
    }

    private static String json(final ConsumerRecord<byte[], byte[]> r)
    {
        final StringBuilder sb = new StringBuilder(64 + (r.value() == null ? 0 : r.value().length));
        sb.append("{\"topic\":");
        quote(sb, r.topic());
        sb.append(",\"partition\":").append(r.partition())
            .append(",\"offset\":").append(r.offset())
            .append(",\"timestamp\":").append(r.timestamp())
            .append(",\"timestampType\":");
        quote(sb, r.timestampType().name);
        sb.append(",\"key\":");
        quote(sb, r.key());
        sb.append(",\"value\":");
        quote(sb, r.value());
        sb.append(",\"headers\":{");
        boolean first = true;
        for (final Header h : r.headers())
        {
            if (!first)
            {
                sb.append(',');
            }
            first = false;
            quote(sb, h.key());
            sb.append(':');
            quote(sb, h.value());
        }
        return sb.append("}}").toString();
    }

    private static String text(final byte[] bytes)
    {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static void quote(final StringBuilder sb, final byte[] bytes)
    {
        if (bytes == null)
        {
            sb.append("null");
        }
        else
        {
            quote(sb, new String(bytes, StandardCharsets.UTF_8));
        }
    }

    static void quote(final StringBuilder sb, final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Reads {@code value}, {@code key-value} or {@code json}. */
    public static final class Converter implements CommandLine.ITypeConverter<RecordFormat>
    {
        @Override
        public RecordFormat convert(final String value)
        {
            for (final RecordFormat f : values())
            {
                if (f.label.equals(value.toLowerCase(Locale.ROOT)))
                {
                    return f;
                }
            }
            throw new CommandLine.TypeConversionException(
                "'" + value + "' is not a format: use value, key-value or json");
        }
    }
}
