package io.stardust.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to {@code stardust ops budget} and {@code stardust ops controller} is refused with the reason before the
 * command reaches any cluster (none runs here: a command that tried to connect would hang, not fail this way).
 */
class BudgetOpsTest
{
    private static final String CLUSTER = "--cluster=0=localhost:1@dc-a,1=localhost:11@dc-a,2=localhost:21@dc-b";

    @TempDir
    Path dir;

    @Test
    void shouldRefuseAZeroOrNegativeBudget()
    {
        assertRefused("the budget must be above 0, not 0.0", "ops", "budget", "set", CLUSTER, "--watts", "0");
        assertRefused("the budget must be above 0, not -3.0", "ops", "budget", "set", CLUSTER, "--watts", "-3");
        assertRefused("the energy per window must be above 0", "ops", "budget", "set", CLUSTER, "--joules", "-1",
            "--window-seconds", "60");
        assertRefused("give exactly one of --watts and --joules", "ops", "budget", "set", CLUSTER);
        assertRefused("--joules needs --window-seconds", "ops", "budget", "set", CLUSTER, "--joules", "100");
        assertRefused("the base budget must be above 0", "ops", "budget", "synth", CLUSTER, "--base-watts", "0");
    }

    @Test
    void shouldRefuseAnUnknownDatacenterNamingTheKnownOnes()
    {
        assertRefused("unknown datacenter 'dc9': this cluster's are dc-a, dc-b", "ops", "budget", "set", CLUSTER,
            "--watts", "40", "--dc", "dc9");
    }

    @Test
    void shouldRefuseAMalformedTraceNamingTheFileAndLine() throws Exception
    {
        final Path trace = dir.resolve("day.csv");
        Files.writeString(trace, "seconds,watts\n0,40\n60,forty\n");
        assertRefused(trace + ": line 3: watts", "ops", "budget", "load", CLUSTER, trace.toString());
        final Path falling = dir.resolve("back.csv");
        Files.writeString(falling, "0,40\n60,20\n30,10\n");
        assertRefused(falling + ": line 3", "ops", "budget", "load", CLUSTER, falling.toString());
        assertRefused("cannot read the trace", "ops", "budget", "load", CLUSTER, dir.resolve("none.csv").toString());
    }

    @Test
    void shouldRefuseASwitchSettingOtherThanOnOrOff()
    {
        assertRefused("expected on or off, not 'maybe'", "ops", "controller", CLUSTER, "maybe");
    }

    private static void assertRefused(final String message, final String... args)
    {
        final StringWriter err = new StringWriter();
        final picocli.CommandLine cli = StardustCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        final int code = cli.execute(args);
        assertEquals(1, code, String.join(" ", args) + " said: " + err);
        assertTrue(err.toString().contains(message), "expected \"" + message + "\" in: " + err);
    }
}
