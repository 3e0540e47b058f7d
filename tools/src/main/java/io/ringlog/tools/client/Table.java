package io.ringlog.tools.client;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Rows printed in aligned columns under a header, as operators read them (and as {@code awk} splits them). */
public final class Table
{
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    public Table(final String... header)
    {
        columns = header.length;
        rows.add(header);
    }

    public Table row(final Object... cells)
    {
        final String[] r = new String[columns];
        for (int i = 0; i < columns; i++)
        {
            r[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "-";
        }
        rows.add(r);
        return this;
    }

    public int size()
    {
        return rows.size() - 1;
    }

    public void print(final PrintWriter out)
    {
        final int[] width = new int[columns];
        for (final String[] r : rows)
        {
            for (int i = 0; i < columns; i++)
            {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        final StringBuilder line = new StringBuilder();
        for (final String[] r : rows)
        {
            line.setLength(0);
            for (int i = 0; i < columns; i++)
            {
                line.append(r[i]);
                if (i < columns - 1)
                {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            out.println(line);
        }
        out.flush();
    }
}
