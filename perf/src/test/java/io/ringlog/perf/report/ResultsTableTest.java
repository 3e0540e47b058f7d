package io.ringlog.perf.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsTableTest
{
    private static final String HEADER = "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\","
        + "\"Unit\",\"Param: fsync\",\"Param: recordsPerBatch\",\"Param: valueSize\"";
    private static final String PACKAGE = "\"io.ringlog.perf.journal.";

    @Test
    void matchesTheJournalWithItsAnchorsOnTheSameBatchShape()
    {
        final ResultsTable table = ResultsTable.parse(List.of(
            HEADER,
            PACKAGE + "ChronicleAppendBenchmark.append\",\"thrpt\",1,3,50000.0,100.0,\"ops/s\",,16,1024",
            PACKAGE + "JournalAppendBenchmark.append\",\"thrpt\",1,3,75000.0,200.0,\"ops/s\",flusher,16,1024",
            PACKAGE + "JournalAppendBenchmark.append:bytes\",\"thrpt\",1,3,1275000000.0,NaN,\"ops/s\",flusher,16,1024",
            PACKAGE + "JournalAppendBenchmark.append:gc.alloc.rate.norm\",\"thrpt\",1,3,0.01,NaN,\"B/op\",flusher,16,1024",
            PACKAGE + "MappedAppendBenchmark.copy\",\"thrpt\",1,3,100000.0,300.0,\"ops/s\",,16,1024",
            PACKAGE + "MappedAppendBenchmark.copyForceOnRoll\",\"thrpt\",1,3,80000.0,300.0,\"ops/s\",,16,1024",
            PACKAGE + "MappedAppendBenchmark.copy\",\"thrpt\",1,3,999.0,1.0,\"ops/s\",,1,100"));

        assertEquals(1, table.rowsOf(ResultsTable.JOURNAL_APPEND).size());
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        table.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        final String text = bytes.toString(StandardCharsets.UTF_8);

        assertTrue(text.contains("| JournalAppendBenchmark.append | fsync=flusher, recordsPerBatch=16, valueSize=1024 "
            + "| 75,000 | 200 | 1,275 | – | 0.010 |"), text);
        assertTrue(text.contains("| fsync=flusher, recordsPerBatch=16, valueSize=1024 | 17,000 | 75,000 | 100,000 | 80,000 "
            + "| 50,000 | 75 % | 94 % | 1.50 | 0.010 |"), text);
    }
}
