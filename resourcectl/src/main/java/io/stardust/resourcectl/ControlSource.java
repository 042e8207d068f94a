package io.stardust.resourcectl;

/** Where the live controller reads what operators have told it, once a control period. */
@FunctionalInterface
public interface ControlSource
{
    /**
     * @return the state now.
     * @throws Exception when it cannot be read; the controller then keeps the state it read last, and says so.
     */
    ControlState read() throws Exception;
}
