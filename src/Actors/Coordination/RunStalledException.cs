namespace CyclicActors.Actors.Coordination;

/// <summary>
/// No micro-batch completed for cyclic-actors.stall-timeout: a message was lost or a node is stuck.
/// One process fails with it; a cluster run that continues on member loss re-forms from its newest cut.
/// </summary>
public sealed class RunStalledException(TimeSpan timeout, string waiting)
    : TimeoutException($"The run stalled: no micro-batch completed for {timeout.TotalSeconds:0.###} s; {waiting} (cyclic-actors.stall-timeout).");
