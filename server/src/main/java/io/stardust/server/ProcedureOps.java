package io.stardust.server;

import io.stardust.catalog.ProcedureDef;
import io.stardust.client.StardustClient;
import io.stardust.scheduler.Procedures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** {@code stardust ops register-procedure}: a procedure version, checked here first, registered through the log. */
final class ProcedureOps
{
    private ProcedureOps()
    {
    }

    /** {@code stardust ops register-procedure}. */
    @Command(name = "register-procedure", description = {
        "Register a procedure version (a log record; administrators only). The class is read from --jar (or this",
        "command's class path), checked here against the rules every member applies (no clock, randomness,",
        "threads, I/O, reflection or recursion), and registered with its SHA-256. Deploy the same jar on every",
        "member first (stardust start --procedures DIR): a member that lacks the class, or holds other bytes, stops",
        "when it applies the registration. A registered version never changes; register a new version instead."})
    static final class RegisterProcedure extends OpsCommands.ClusterCommand
    {
        @Option(names = "--name", required = true, description = "The name calls use: [A-Za-z_][A-Za-z0-9_]{0,63}.")
        String name;

        @Option(names = "--version", required = true, description = "The version, 1 or more.")
        int version;

        @Option(names = "--class", required = true, description = "The class, e.g. " +
            "io.stardust.procedure.examples.Transfer.")
        String className;

        @Option(names = "--jar", paramLabel = "JAR|DIR", description = "The jar (or a directory of jars) holding " +
            "it; default: this command's class path.")
        Path jar;

        @Option(names = "--step-budget", description = "Steps one call may take (default ${DEFAULT-VALUE}).")
        long stepBudget = ProcedureDef.DEFAULT_STEP_BUDGET;

        @Override
        public Integer call() throws Exception
        {
            final ClassLoader loader = jar == null ? ProcedureOps.class.getClassLoader() : ProcedureJars.loader(jar);
            final byte[] bytes = Procedures.classBytes(loader, className);
            if (bytes == null)
            {
                throw new IllegalArgumentException("class " + className + " is not in " +
                    (jar == null ? "the class path" : jar) + "; nothing was registered");
            }
            final Procedures.Loaded loaded;
            try
            {
                loaded = Procedures.define(name, version, className, bytes, stepBudget);
            }
            catch (final Procedures.Refused ex)
            {
                throw new IllegalArgumentException(ex.getMessage() + "; nothing was registered", ex);
            }
            final String sha256 = Procedures.sha256(bytes);
            System.out.println(className + ": sha256 " + sha256 + ", parameters " + loaded.signature());
            try (StardustClient client = connect())
            {
                return TenantOps.report(() -> client.registerProcedure(name, version, className, sha256, stepBudget)
                    .get(30, TimeUnit.SECONDS));
            }
        }
    }
}
