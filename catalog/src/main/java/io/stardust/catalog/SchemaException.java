package io.stardust.catalog;

/** A schema change, or a name in a statement, that the catalog refuses. */
public final class SchemaException extends IllegalArgumentException
{
    private final SchemaProblem problem;

    /**
     * @param problem why.
     */
    public SchemaException(final SchemaProblem problem)
    {
        super(problem.message());
        this.problem = problem;
    }

    /** @return why. */
    public SchemaProblem problem()
    {
        return problem;
    }
}
