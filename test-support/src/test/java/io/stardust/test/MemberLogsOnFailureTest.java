package io.stardust.test;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemberLogsOnFailureTest
{
    @Test
    void shouldReportTheTailOfEveryLogKeptSinceTheTestBegan(@TempDir final File dir) throws IOException
    {
        final String log = IntStream.rangeClosed(1, 100).mapToObj(i -> "line " + i).collect(Collectors.joining("\n"));
        Files.writeString(new File(dir, "member-1.log").toPath(), log);
        new MemberLogsOnFailure().beforeEach(null);
        MemberLogsOnFailure.kept(dir);

        final String report = MemberLogsOnFailure.report("someTest()");
        assertTrue(report.contains("member-1.log"), report);
        assertTrue(report.contains("line 100\n"), report);
        assertTrue(report.contains("line 41\n"), report);
        assertFalse(report.contains("line 40\n"), report);

        new MemberLogsOnFailure().beforeEach(null);
        assertFalse(MemberLogsOnFailure.report("next()").contains("member-1.log"));
    }
}
