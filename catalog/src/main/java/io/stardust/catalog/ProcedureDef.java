package io.stardust.catalog;

/**
 * A registered procedure version: Java code deployed on every member, named in the catalog through the log. Each
 * member checks its own copy of the class against {@code sha256} when it applies the registration, and stops if it
 * differs, so every replica runs the same code for the same call.
 *
 * @param name              the name calls use.
 * @param version           the version calls name (a procedure's versions live side by side).
 * @param className         the class every member loads.
 * @param sha256            SHA-256 of the class file's bytes, 64 lowercase hex digits.
 * @param stepBudget        steps a call may take ({@code io.stardust.procedure.Procedure}): the same on every replica.
 * @param registeredAtVersion the catalog version that registered it.
 */
public record ProcedureDef(String name, int version, String className, String sha256, long stepBudget,
    long registeredAtVersion)
{
    /** Most steps a call may be given. */
    public static final long MAX_STEP_BUDGET = 100_000_000L;
    /** Steps a call gets unless its registration says otherwise. */
    public static final long DEFAULT_STEP_BUDGET = 100_000L;

    /** @return the catalog's key for this version: {@code name@version}. */
    public String id()
    {
        return id(name, version);
    }

    /** @return the catalog's key of a procedure version. */
    public static String id(final String name, final int version)
    {
        return name + "@" + version;
    }
}
