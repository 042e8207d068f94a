package io.stardust.scheduler;

import io.stardust.procedure.ArgType;
import io.stardust.procedure.Procedure;
import io.stardust.procedure.Steps;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The procedure versions this member has loaded, by {@code name@version}: each checked against its registration's
 * hash and against the rules ({@link ProcedureVerifier}), with step counting added, in a class loader of its own.
 * Read by the scheduler's workers while the service adds to it between epochs.
 */
public final class Procedures
{
    /** Steps {@link Procedure#parameters()} may take when a class is loaded. */
    private static final long PARAMETERS_BUDGET = 10_000;

    /**
     * A loaded procedure version.
     *
     * @param name        its name.
     * @param version     its version.
     * @param className   its class.
     * @param stepBudget  steps one call may take.
     * @param parameters  the argument types a call passes.
     * @param constructor makes a fresh instance for each call.
     */
    public record Loaded(String name, int version, String className, long stepBudget, ArgType[] parameters,
        MethodHandle constructor)
    {
        /** @return a fresh instance. */
        Procedure instance()
        {
            try
            {
                return (Procedure)constructor.invoke();
            }
            catch (final RuntimeException | Error ex)
            {
                throw ex;
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException(t);
            }
        }

        /** @return the parameters as the client sees them: {@code (LONG, STRING)}. */
        public String signature()
        {
            final StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < parameters.length; i++)
            {
                b.append(i == 0 ? "" : ", ").append(parameters[i]);
            }
            return b.append(')').toString();
        }
    }

    /** This member cannot run the calls the way the others do: the class is missing here, or differs. */
    public static final class NotHere extends Exception
    {
        private static final long serialVersionUID = 1L;

        NotHere(final String message)
        {
            super(message);
        }
    }

    /** The class breaks a rule: every member, holding the same bytes, finds the same. */
    public static final class Refused extends Exception
    {
        private static final long serialVersionUID = 1L;

        Refused(final String message)
        {
            super(message);
        }
    }

    private final ClassLoader deployed;
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();

    /** @param deployed where this member finds procedure classes (its class path, or a directory of jars). */
    public Procedures(final ClassLoader deployed)
    {
        this.deployed = deployed;
    }

    /**
     * Load a procedure version, without adding it.
     *
     * @return it, loaded.
     * @throws NotHere when this member lacks the class or holds other bytes than {@code sha256}.
     * @throws Refused when the class breaks a rule.
     */
    public Loaded load(final String name, final int version, final String className, final String sha256,
        final long stepBudget) throws NotHere, Refused
    {
        final byte[] bytes = classBytes(deployed, className);
        if (bytes == null)
        {
            throw new NotHere("procedure " + name + " version " + version + ": class " + className + " is not " +
                "deployed on this member");
        }
        final String here = sha256(bytes);
        if (!here.equals(sha256))
        {
            throw new NotHere("procedure " + name + " version " + version + ": class " + className + " on this " +
                "member has sha256 " + here + ", but it was registered with " + sha256);
        }
        return define(name, version, className, bytes, stepBudget);
    }

    /**
     * Check a class file and load it: what members do once the hash matched, and what a client may do first.
     *
     * @return it, loaded.
     * @throws Refused when the class breaks a rule.
     */
    public static Loaded define(final String name, final int version, final String className, final byte[] bytes,
        final long stepBudget) throws Refused
    {
        final byte[] counted;
        try
        {
            counted = ProcedureVerifier.verify(className, bytes);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new Refused("procedure " + name + " version " + version + " (" + className + ") is refused: " +
                ex.getMessage());
        }
        final Class<?> type = new OneClassLoader(className, counted).defineIt();
        final MethodHandle constructor;
        final ArgType[] parameters;
        try
        {
            constructor = MethodHandles.publicLookup().findConstructor(type, MethodType.methodType(void.class))
                .asType(MethodType.methodType(Object.class));
            final Steps.Budget budget = new Steps.Budget(PARAMETERS_BUDGET);
            Steps.begin(budget);
            try
            {
                final ArgType[] declared = ((Procedure)constructor.invoke()).parameters();
                parameters = declared == null ? null : declared.clone();
            }
            finally
            {
                Steps.end();
            }
        }
        catch (final VirtualMachineError ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new Refused("procedure " + name + " version " + version + " (" + className + ") is refused: its " +
                "constructor or parameters() failed: " + t);
        }
        if (parameters == null || java.util.Arrays.asList(parameters).contains(null) ||
            parameters.length > io.stardust.procedure.ProcedureArgs.MAX_ARGS)
        {
            throw new Refused("procedure " + name + " version " + version + " (" + className + ") is refused: " +
                "parameters() must give at most " + io.stardust.procedure.ProcedureArgs.MAX_ARGS + " types, none " +
                "null");
        }
        return new Loaded(name, version, className, stepBudget, parameters, constructor);
    }

    /** Add a loaded version; calls may name it from now on. */
    public void add(final Loaded procedure)
    {
        loaded.put(procedure.name() + "@" + procedure.version(), procedure);
    }

    /** @return the loaded version, or null. */
    public Loaded find(final String name, final int version)
    {
        return loaded.get(name + "@" + version);
    }

    /** @return true when some version of {@code name} is loaded. */
    public boolean knows(final String name)
    {
        for (final Loaded p : loaded.values())
        {
            if (p.name().equals(name))
            {
                return true;
            }
        }
        return false;
    }

    /** @return the loaded versions of {@code name}, ascending. */
    public java.util.List<Integer> versions(final String name)
    {
        return loaded.values().stream().filter((p) -> p.name().equals(name)).map(Loaded::version).sorted().toList();
    }

    /** Forget every version (a snapshot is being loaded). */
    public void clear()
    {
        loaded.clear();
    }

    /** @return a class file's bytes from {@code loader}, or null when it has none. */
    public static byte[] classBytes(final ClassLoader loader, final String className)
    {
        try (InputStream in = loader.getResourceAsStream(className.replace('.', '/') + ".class"))
        {
            return in == null ? null : in.readAllBytes();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /** @return SHA-256 of {@code bytes}, 64 lowercase hex digits. */
    public static String sha256(final byte[] bytes)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** Defines one procedure class; everything else comes from the loader that holds the procedure API. */
    private static final class OneClassLoader extends ClassLoader
    {
        private final String name;
        private final byte[] bytes;

        OneClassLoader(final String name, final byte[] bytes)
        {
            super("procedure " + name, Procedure.class.getClassLoader());
            this.name = name;
            this.bytes = bytes;
        }

        Class<?> defineIt()
        {
            return defineClass(name, bytes, 0, bytes.length);
        }

        @Override
        protected Class<?> findClass(final String className) throws ClassNotFoundException
        {
            throw new ClassNotFoundException(className + " (a procedure loads no class but its own and the JDK's)");
        }
    }
}
