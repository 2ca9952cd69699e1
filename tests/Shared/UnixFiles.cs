using System.Diagnostics;

namespace CyclicActors.Tests.Shared;

/// <summary>File kinds .NET cannot create itself, made with coreutils.</summary>
internal static class UnixFiles
{
    public static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start mkfifo");
        if (!mkfifo.WaitForExit(10_000) || mkfifo.ExitCode != 0)
        {
            throw new InvalidOperationException($"mkfifo {path} failed");
        }
    }
}
