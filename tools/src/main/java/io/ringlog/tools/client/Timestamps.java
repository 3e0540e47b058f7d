package io.ringlog.tools.client;

import io.ringlog.tools.CliException;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/**
 * Points in time as users write them: epoch milliseconds ({@code 1700000000000}), an ISO-8601 instant or offset
 * date-time ({@code 2024-05-01T12:00:00Z}, {@code 2024-05-01T14:00:00+02:00}), or a local date-time or date in the
 * machine's zone ({@code 2024-05-01T12:00}, {@code 2024-05-01}).
 */
public final class Timestamps
{
    private Timestamps()
    {
    }

    /** @return epoch milliseconds. @throws CliException (usage) when the text is none of the forms. */
    public static long parse(final String text)
    {
        final String t = text.trim();
        if (t.matches("-?\\d+"))
        {
            return Long.parseLong(t);
        }
        try
        {
            return Instant.parse(t).toEpochMilli();
        }
        catch (final DateTimeParseException ignore)
        {
            // next form
        }
        try
        {
            return OffsetDateTime.parse(t).toInstant().toEpochMilli();
        }
        catch (final DateTimeParseException ignore)
        {
            // next form
        }
        try
        {
            return LocalDateTime.parse(t).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        }
        catch (final DateTimeParseException ignore)
        {
            // next form
        }
        try
        {
            return LocalDate.parse(t).atStartOfDay(ZoneId.systemDefault()).toInstant().toEpochMilli();
        }
        catch (final DateTimeParseException ex)
        {
            throw CliException.usage("'" + text + "' is not a time: use epoch milliseconds or ISO-8601, " +
                "e.g. 2024-05-01T12:00:00Z");
        }
    }
}
