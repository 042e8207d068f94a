package io.stardust.server;

import io.stardust.server.auth.AuthFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code stardust auth}: the members' authentication file. */
@Command(name = "auth", description = "The members' authentication file.",
    subcommands = {AuthCommand.Init.class})
final class AuthCommand implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    /** {@code stardust auth init}. */
    @Command(name = "init", description = {
        "Write a new authentication file: the cluster administrator's user and salted verifier (SCRAM-SHA-256, never",
        "the password) and a fresh random key the members' own clients authenticate with. Give every member the same",
        "file (stardust start --auth-file); keep it readable by the members' user only."})
    static final class Init implements Callable<Integer>
    {
        @Option(names = "--out", required = true, description = "The file to write; it must not exist.")
        Path out;

        @Option(names = "--admin-user", defaultValue = "admin",
            description = "The administrator's user (default ${DEFAULT-VALUE}).")
        String adminUser;

        @Option(names = "--password-file", description = "A file whose first line is the administrator's " +
            "password (else STARDUST_PASSWORD, else the terminal).")
        Path passwordFile;

        @Override
        public Integer call()
        {
            final char[] password = Passwords.read(passwordFile, adminUser);
            try
            {
                AuthFile.write(out, adminUser, password);
            }
            finally
            {
                java.util.Arrays.fill(password, '\0');
            }
            System.out.println("wrote " + out + " (administrator " + adminUser + "); start every member with " +
                "--auth-file " + out);
            return 0;
        }
    }
}
