namespace CyclicActors.Actors.Settings;

/// <summary>What fault injection does to this process when a fault fires (cyclic-actors.fault-injection).</summary>
public static class InjectedFaults
{
    /// <summary>Says which fault fired and where on stderr (the node's log may be lost with it), then SIGKILLs this process, as `kill -9` would.</summary>
    public static void KillThisProcess(string where)
    {
        Console.Error.WriteLine($"cyclic: fault injection: {where} kills this process (SIGKILL) (cyclic-actors.fault-injection).");
        Console.Error.Flush();
        System.Diagnostics.Process.GetCurrentProcess().Kill();
    }
}
