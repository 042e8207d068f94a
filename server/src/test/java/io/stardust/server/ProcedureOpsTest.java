package io.stardust.server;

import io.stardust.server.procs.StartsThread;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code stardust ops register-procedure} checks the class itself before it sends anything: a class it cannot find,
 * or one that breaks a rule, is refused with the reason (no cluster runs here: a command that tried to connect would
 * hang, not fail this way).
 */
class ProcedureOpsTest
{
    private static final String CLUSTER = "--cluster=0=localhost:1,1=localhost:11,2=localhost:21";

    @TempDir
    Path dir;

    @Test
    void shouldRefuseAClassThatBreaksARuleOrCannotBeFoundBeforeSendingAnything()
    {
        assertRefused("procedure p version 1 (" + StartsThread.class.getName() + ") is refused: method " +
            "run(Lio/stardust/procedure/ProcedureContext;)V uses java.lang.Thread", "--class",
            StartsThread.class.getName());
        assertRefused("class com.example.Missing is not in the class path; nothing was registered", "--class",
            "com.example.Missing");
        assertRefused("procedures: " + dir.resolve("none.jar") + " is neither a directory of jars nor a jar",
            "--class", "com.example.Missing", "--jar", dir.resolve("none.jar").toString());
        assertRefused("class com.example.Missing is not in " + dir + "; nothing was registered", "--class",
            "com.example.Missing", "--jar", dir.toString());
    }

    private static void assertRefused(final String message, final String... args)
    {
        final String[] all = new String[args.length + 7];
        System.arraycopy(new String[] {"ops", "register-procedure", CLUSTER, "--name", "p", "--version", "1"}, 0, all,
            0, 7);
        System.arraycopy(args, 0, all, 7, args.length);
        final StringWriter err = new StringWriter();
        final picocli.CommandLine cli = StardustCli.commandLine();
        cli.setErr(new PrintWriter(err, true));
        final int code = cli.execute(all);
        assertEquals(1, code, String.join(" ", all) + " said: " + err);
        assertTrue(err.toString().contains(message), "expected \"" + message + "\" in: " + err);
    }
}
